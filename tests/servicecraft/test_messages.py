"""servicecraft.messages: the pure modules' messages go through a translator the app installs."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from servicecraft import messages
from servicecraft.messages import _
from tests.training.simulations.helpers import EXAMPLE, parse
from training.quizzes.gift import GiftError, parse_gift
from training.simulations.engine import Choice, Classify, Reply, StepError, start, step

PURE_MODULES = (
    "training.curriculum.loader",
    "training.quizzes.gift",
    "training.quizzes.questions",
    "training.simulations.authoring",
    "training.simulations.engine",
    "training.simulations.scenario",
    "qa.calibration.stats",
    "qa.evaluations.formfile",
    "qa.evaluations.results_csv",
    "qa.evaluations.scoring",
)


def _shout(message: str) -> str:
    """Upper-case a msgid but leave its %(name)s placeholders alone."""
    return re.sub(r"%\(\w+\)s|[^%]+|%", lambda m: m.group() if m.group().startswith("%(") else m.group().upper(), message)


@pytest.fixture()
def restore_translator():
    """Put back whatever translator was installed (the app's), whatever the test did."""
    previous = messages.installed()
    yield
    messages.install(previous)


def _gift_problem(text: str) -> str:
    with pytest.raises(GiftError) as caught:
        parse_gift(text)
    return caught.value.problems[0].message


def _reply_too_long_problem() -> str:
    scenario = parse(EXAMPLE)
    state = start(scenario)
    # Walk to the reply node along the example's best path.
    state = step(scenario, state, Choice(0))
    state = step(scenario, state, Classify("payment/billing-error"))
    state = step(scenario, state, Choice(0))
    with pytest.raises(StepError) as caught:
        step(scenario, state, Reply("x" * 6000))
    return caught.value.message


def test_values_are_substituted_after_translation(restore_translator):
    messages.uninstall()
    assert _("plain text") == "plain text"
    assert _("%(count)s of %(total)s", count=3, total=5) == "3 of 5"
    assert _("a literal 100%") == "a literal 100%"  # no values: no % formatting at all
    assert _("%(message)s!", message="hi") == "hi!"  # a placeholder may be called message


def test_an_installed_translator_reaches_the_pure_modules(restore_translator):
    english_gift = "'abc' is not a number (numerical answers look like 3, 3:0.5 or 1..5)."
    english_reply = "the reply is 6000 characters long; keep it to 5000"
    messages.install(_shout)
    try:
        # The text is translated, the values ('abc', 6000, 5000) are filled in untouched.
        assert _gift_problem("Number {#1:abc}") == "'abc' IS NOT A NUMBER (NUMERICAL ANSWERS LOOK LIKE 3, 3:0.5 OR 1..5)."
        assert _gift_problem("Pick {~%--50%a ~b}") == "THE GRADE %--50% IS NOT A NUMBER."
        assert _reply_too_long_problem() == "THE REPLY IS 6000 CHARACTERS LONG; KEEP IT TO 5000"
    finally:
        messages.uninstall()
    assert messages.installed()("Sign in") == "Sign in"
    assert _gift_problem("Number {#1:abc}") == english_gift
    assert _reply_too_long_problem() == english_reply


def test_the_app_translator_speaks_the_request_language(app):
    # create_app installed the Flask-Babel translator (the session's app fixture built one).
    with app.test_request_context("/", headers={"Accept-Language": "ru"}):
        assert _("Sign in") == "Войти"
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert _("Sign in") == "Sign in"
    with app.app_context():  # no request: the CLI's default language
        assert _("Sign in") == "Sign in"


def test_without_an_app_context_messages_stay_english(app):
    assert _("Sign in") == "Sign in"
    assert _gift_problem("Number {#1:abc}") == "'abc' is not a number (numerical answers look like 3, 3:0.5 or 1..5)."


def test_the_pure_modules_import_no_flask():
    code = (
        "import sys\n"
        + "".join(f"import {name}\n" for name in PURE_MODULES)
        + "print(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'flask_babel', 'werkzeug')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
