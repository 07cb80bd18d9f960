"""Pages of training.quizzes (thin: parse, authorize, call a service, render)."""

from flask import Blueprint

bp = Blueprint("quizzes", __name__, url_prefix="/quizzes")
