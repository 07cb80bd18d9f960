"""The starter curriculum loads in English and Russian; the demo shows people at different stages."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from servicecraft.extensions import db
from servicecraft.models import User
from training.courses import services
from training.courses.models import Course, Enrolment, EnrolmentRule, Lesson, LessonView


def test_starter_curriculum_loads_in_english_and_russian_once(app):
    with app.app_context():
        created = services.load_starter_courses()
        db.session.commit()
        assert len(created) >= 6
        slugs = {c.slug for c in created}
        assert {"complaint-handling", "three-a", "request-categories"} <= slugs
        course = db.session.scalar(select(Course).where(Course.slug == "complaint-handling"))
        assert course.status == "published" and course.is_onboarding and course.position == 1
        assert course.title["en"] == "Handling complaints step by step"
        assert course.title["ru"] == "Работа с жалобами шаг за шагом"
        for lesson in course.lessons:
            assert lesson.title["en"] and lesson.title["ru"]
            assert lesson.body["en"].strip() and lesson.body["ru"].strip()
            assert not lesson.body["en"].startswith("# ")  # the title line is not repeated in the body
        rules = db.session.scalars(select(EnrolmentRule).order_by(EnrolmentRule.due_days)).all()
        assert [(r.course_slug, r.kind, r.due_days) for r in rules][:3] == [
            ("complaint-handling", "newhires", 14), ("three-a", "newhires", 28), ("request-categories", "newhires", 42)]
        assert services.load_starter_courses() == []
        db.session.commit()
        assert db.session.scalar(select(func.count(Course.id))) == len(created)
        assert db.session.scalar(select(func.count(EnrolmentRule.id))) == len(rules)


def test_a_russian_learner_reads_the_starter_course_in_russian(app, client, login, make_user):
    learner = make_user(roles=["agent"], language="ru", start_date=date.today())
    with app.app_context():
        services.load_starter_courses()
        assert services.apply_enrolment_rules() >= 3
        db.session.commit()
        lesson_id = db.session.scalar(
            select(Lesson.id).join(Lesson.module).join(Course).where(Course.slug == "complaint-handling").order_by(Lesson.position).limit(1))
    login(client, learner)
    page = client.get("/training/courses/mine").get_data(as_text=True)
    assert "Работа с жалобами шаг за шагом" in page
    lesson_page = client.get(f"/training/courses/lessons/{lesson_id}")
    assert lesson_page.status_code == 200
    assert lesson_page.get_data(as_text=True).count("<h1") == 1


def _stage_counts(app) -> dict:
    with app.app_context():
        users = {u.email: u for u in db.session.scalars(select(User))}
        onboarding = db.session.scalars(select(Course).where(Course.is_onboarding.is_(True)).order_by(Course.position)).all()

        def views(email, course):
            ids = [lesson.id for lesson in course.lessons]
            return db.session.scalar(select(func.count(LessonView.id)).where(
                LessonView.user_id == users[email].id, LessonView.lesson_id.in_(ids)))

        first, second = onboarding[0], onboarding[1]
        late = db.session.scalars(select(Enrolment).where(
            Enrolment.user_id == users["newhire2@demo.test"].id, Enrolment.completed_at.is_(None),
            Enrolment.due_date < date.today())).all()
        agent_enrolments = db.session.scalar(select(func.count(Enrolment.id)).join(Course).where(
            Enrolment.user_id == users["agent1@demo.test"].id, Course.is_onboarding.is_(False)))
        return {
            "anna": views("newhire@demo.test", first), "anna_total": len(first.lessons),
            "yulia_first": views("newhire3@demo.test", first), "yulia_second": views("newhire3@demo.test", second),
            "first_total": len(first.lessons), "second_total": len(second.lessons),
            "sam": db.session.scalar(select(func.count(LessonView.id)).where(LessonView.user_id == users["newhire4@demo.test"].id)),
            "dmytro_late": len(late), "agent1": agent_enrolments,
            "enrolments": db.session.scalar(select(func.count(Enrolment.id))),
            "views": db.session.scalar(select(func.count(LessonView.id))),
            "courses": db.session.scalar(select(func.count(Course.id))),
        }


def test_the_demo_step_puts_people_at_different_stages_and_can_run_twice(app, runner):
    assert runner.invoke(args=["demo"]).exit_code == 0
    first = _stage_counts(app)
    assert 0 < first["anna"] < first["anna_total"]
    assert first["yulia_first"] == first["first_total"] and first["yulia_second"] == first["second_total"]
    assert first["sam"] == 0
    assert first["dmytro_late"] >= 1
    assert first["agent1"] == 1
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    again = _stage_counts(app)
    assert again == first


def test_every_course_page_renders_with_the_demo_data(app, runner, client, login):
    assert runner.invoke(args=["demo"]).exit_code == 0
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.email == "admin@demo.test"))
        mentor = db.session.scalar(select(User).where(User.email == "mentor@demo.test"))
        anna = db.session.scalar(select(User).where(User.email == "newhire@demo.test"))
        course = db.session.scalar(select(Course).where(Course.slug == "complaint-handling"))
        module, lesson = course.modules[0], course.lessons[0]
        ids = (course.id, module.id, lesson.id)
    course_id, module_id, lesson_id = ids
    base = "/training/courses"
    login(client, admin)
    for url in ("/", f"{base}/", f"{base}/new", f"{base}/{course_id}/manage", f"{base}/{course_id}/edit",
                f"{base}/{course_id}/modules/new", f"{base}/modules/{module_id}/edit", f"{base}/modules/{module_id}/lessons/new",
                f"{base}/lessons/{lesson_id}/edit", f"{base}/{course_id}/enrolments", f"{base}/rules", f"{base}/progress",
                f"{base}/progress?overdue=1", f"{base}/{course_id}", f"{base}/lessons/{lesson_id}", f"{base}/progress/{anna.id}"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.get_data(as_text=True).count("<h1") == 1, url
    login(client, mentor)
    page = client.get(f"{base}/progress").get_data(as_text=True)
    assert "Анна Смирнова" in page and "Yulia Morozova" not in page
    login(client, anna)
    home = client.get("/").get_data(as_text=True)
    assert "Работа с жалобами шаг за шагом" in home
    assert client.get(f"{base}/{course_id}").status_code == 200
