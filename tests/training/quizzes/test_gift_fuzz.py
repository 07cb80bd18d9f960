"""Whatever text arrives, the reader answers with questions or with located problems."""

from hypothesis import given, settings
from hypothesis import strategies as st

from training.quizzes.gift import GiftError, parse_gift

from .helpers import MOODLE_FIXTURE

SAMPLE = """// sample
$CATEGORY: top/Support

::Greeting::[html]How do you <b>greet</b> a caller?{
=By name#Good
~%-50%Hey you#Too casual
~%50%Hello####Be warm.}

::Refund::Refunds take how many days? {#5:2 =%50%1..10 ~#No}

Match {=Email -> 24 h =Chat -> 1 min = -> 1 week}

Escalate {T#No#Yes}

::Short::Product code?{=AB-* =%50%ab#close}

Essay {}
"""

SEEDS = [SAMPLE]
if MOODLE_FIXTURE.is_file():
    SEEDS.append(MOODLE_FIXTURE.read_text(encoding="utf-8"))

gift_characters = st.sampled_from(
    list("{}~=#:\\%->[]$/\n\r\t TFTRUE0123456789.*_") + ["::", "//", "####", "$CATEGORY:", "\n\n", "->", "[html]"]
)
any_character = st.characters(codec="utf-8", exclude_categories=("Cs",))
gift_like = st.lists(gift_characters, max_size=80).map("".join)
noise = st.lists(gift_characters | any_character, max_size=120).map("".join)


def check(text):
    try:
        parse_gift(text, "fuzz.gift")
    except GiftError as error:
        assert error.problems
        assert all(isinstance(p.line, int) and p.line >= 1 for p in error.problems)
        assert all(p.message and p.filename == "fuzz.gift" for p in error.problems)
        assert max(p.line for p in error.problems) <= max(text.count("\n"), text.count("\r")) + 1


@settings(max_examples=400, deadline=None)
@given(gift_like | noise)
def test_random_text_gives_questions_or_gift_error(text):
    check(text)


@st.composite
def edited_files(draw):
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 6))):
        pos = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "delete", "duplicate"]))
        if action == "insert":
            text = text[:pos] + draw(gift_characters) + text[pos:]
        elif action == "delete":
            text = text[:pos] + text[pos + draw(st.integers(1, 10)) :]
        else:
            end = min(len(text), pos + draw(st.integers(1, 40)))
            text = text[:end] + text[pos:end] + text[end:]
    return text


@settings(max_examples=400, deadline=None)
@given(edited_files())
def test_edited_gift_files_give_questions_or_gift_error(text):
    check(text)


def test_sample_is_valid():
    assert len(parse_gift(SAMPLE)) == 6
