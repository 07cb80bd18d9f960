"""Courses: modules, Markdown lessons, enrolment, completion and progress."""
