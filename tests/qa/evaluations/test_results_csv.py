"""Provider results CSV (forms.md, "Results exchange")."""

import csv
import io
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.evaluations.results_csv import ResultsError, export_rows, parse_results
from qa.evaluations.scoring import NA, score_evaluation
from tests.qa.evaluations.helpers import example_form

HEADER = ("agent_email,happened_at,shopper_email,answer_time,greeting,identified,listened,"
          "polite,overall,hold_time,notes,receipt,recording")
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 40
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
MP3 = b"ID3\x04" + b"\x00" * 40


@pytest.fixture
def evidence(tmp_path):
    (tmp_path / "receipt1.jpg").write_bytes(JPEG)
    (tmp_path / "shelf.png").write_bytes(PNG)
    (tmp_path / "call1.mp3").write_bytes(MP3)
    (tmp_path / "fake.jpg").write_bytes(b"GIF89a not a jpeg at all")
    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "huge.jpg").write_bytes(JPEG + b"\x00" * 2000)
    return tmp_path


def test_good_file_gives_answers_who_when_and_evidence(evidence):
    text = "\n".join([
        HEADER,
        "anna@example.com,2024-05-31T14:30:00+03:00,shopper@agency.ru,45,yes,na,4,да,5,300,"
        "\"Polite, quick\",receipt1.jpg; shelf.png,call1.mp3",
        "BOB@example.com,2024-06-01 09:05,,1:15,No,,3,1,2,,,,",
    ])
    rows = parse_results(text, example_form(), evidence_dir=evidence, filename="june.csv")
    first, second = rows
    assert first.row == 2 and second.row == 3
    assert first.agent_email == "anna@example.com" and first.branch is None
    assert first.happened_at == datetime(2024, 5, 31, 14, 30, tzinfo=timezone(timedelta(hours=3)))
    assert first.shopper_email == "shopper@agency.ru"
    assert first.answers == {"answer_time": 45, "greeting": True, "identified": NA, "listened": 4,
                             "polite": True, "overall": 5, "hold_time": 300,
                             "notes": "Polite, quick", "receipt": ["receipt1.jpg", "shelf.png"],
                             "recording": ["call1.mp3"]}
    assert first.evidence["receipt"] == (evidence / "receipt1.jpg", evidence / "shelf.png")
    assert second.answers == {"answer_time": 75, "greeting": False, "listened": 3,
                              "polite": True, "overall": 2}
    assert second.happened_at == datetime(2024, 6, 1, 9, 5)
    assert score_evaluation(example_form(), first.answers).score == 100.0
    # 75 s is over the 60 s threshold and greeting is "no": loses weights 2 + 1, listened 3/4
    # of weight 3 and 2 stars (1/4) of weight 1: (0+0+3*0.75+2+0.25)/9 -> 50.0
    assert score_evaluation(example_form(), second.answers).score == 50.0


def test_naive_times_take_the_deployment_zone_when_given():
    text = "branch,happened_at,answer_time,greeting,identified,listened,polite,overall,hold_time\n" \
           "MSK-01,2024-05-31T14:30,10,yes,yes,4,yes,5,\n"
    zone = timezone(timedelta(hours=3))
    (row,) = parse_results(text, example_form(), default_timezone=zone)
    assert row.branch == "MSK-01" and row.agent_email is None
    assert row.happened_at.tzinfo is zone


def test_broken_file_names_every_bad_cell(evidence):
    text = "\n".join([
        HEADER + ",mood",
        # row 2: fine
        "anna@example.com,2024-05-31T14:30:00,,45,yes,yes,4,yes,5,,,,,",
        # row 3: bad email, date only, yes/no word, scale too high, N/A not allowed, stars 0
        "anna-at-example,2024-05-31,not-an-email,-4,maybe,да,9,na,0,soon,,,,",
        # row 4: nobody evaluated, empty required cells, missing file, wrong type, fake file
        ",2024-05-31T25:00,,,,,2.5,нет,6,1:75,,nothere.jpg;call1.mp3,receipt1.jpg,",
        # row 5: evidence problems and a short row
        "c@example.com,2024-05-31T10:00,,1,1,0,0,0,1,,,../secret.jpg;fake.jpg;empty.png",
    ])
    with pytest.raises(ResultsError) as caught:
        parse_results(text, example_form(), evidence_dir=evidence, filename="bad.csv")
    assert caught.value.messages() == [
        "row 1, column mood: is not a column of the results file of form phone-shop",
        "row 3, column agent_email: is not an e-mail address",
        "row 3, column happened_at: needs a date and time such as 2024-05-31T14:30 (ISO 8601)",
        "row 3, column shopper_email: is not an e-mail address",
        "row 3, column answer_time: must be a number of seconds (such as 75 or 1:15)",
        "row 3, column greeting: must be yes or no (also 1/0, да/нет)",
        "row 3, column listened: must be a whole number from 0 to 4",
        "row 3, column polite: cannot be na: this item does not allow N/A",
        "row 3, column overall: must be a whole number of stars from 1 to 5",
        "row 3, column hold_time: must be a number of seconds (such as 75 or 1:15)",
        "row 4, column agent_email: needs the agent's e-mail or the branch code",
        "row 4, column happened_at: needs a date and time such as 2024-05-31T14:30 (ISO 8601)",
        "row 4, column answer_time: is empty, but this item needs an answer",
        "row 4, column greeting: is empty, but this item needs an answer",
        "row 4, column listened: must be a whole number from 0 to 4",
        "row 4, column overall: must be a whole number of stars from 1 to 5",
        "row 4, column hold_time: must be a number of seconds (such as 75 or 1:15)",
        "row 4, column receipt: file 'nothere.jpg' is not in the evidence folder",
        "row 4, column receipt: file 'call1.mp3' is not a photo; allowed: .jpeg, .jpg, .png, .webp",
        "row 4, column recording: file 'receipt1.jpg' is not an audio recording; allowed: .flac, .m4a, .mp3, .ogg, .opus, .wav, .webm",
        "row 5: has 12 cells but the header has 14 columns",
        "row 5, column receipt: '../secret.jpg' must be a plain file name inside the evidence folder",
        "row 5, column receipt: file 'fake.jpg' does not hold what its name says: it is not really a photo",
        "row 5, column receipt: file 'empty.png' is empty",
    ]
    assert str(caught.value).splitlines()[0] == (
        "bad.csv: row 1, column mood: is not a column of the results file of form phone-shop")


def test_header_problems(evidence):
    text = "happened_at,greeting,greeting,,polite\n2024-05-31T10:00,yes,yes,,yes\n"
    with pytest.raises(ResultsError) as caught:
        parse_results(text, example_form())
    assert caught.value.messages() == [
        "row 1, column greeting: appears twice in the header",
        "row 1: the header cell number 4 has no column name",
        "row 1: the header needs an agent_email or a branch column (who was evaluated)",
        "row 1, column answer_time: is missing from the header",
        "row 1, column identified: is missing from the header",
        "row 1, column listened: is missing from the header",
        "row 1, column overall: is missing from the header",
        "row 1, column hold_time: is missing from the header",
    ]


def test_evidence_without_a_folder_and_too_large(evidence):
    row = "a@example.com,2024-05-31T10:00,,1,1,0,0,1,1,,,{},"
    text = "\n".join([HEADER, row.format("receipt1.jpg"), row.format("huge.jpg")])
    with pytest.raises(ResultsError) as caught:
        parse_results(text, example_form())
    assert caught.value.messages() == [
        "row 2, column receipt: names a file, but no evidence folder was given on import",
        "row 3, column receipt: names a file, but no evidence folder was given on import",
    ]
    with pytest.raises(ResultsError) as caught:
        parse_results(text, example_form(), evidence_dir=evidence, max_evidence_bytes={"photo": 1000})
    assert caught.value.messages() == ["row 3, column receipt: file 'huge.jpg' is larger than 1000 bytes"]
    (evidence / "big.png").write_bytes(PNG + b"\x00" * (10 * 1024 * 1024))
    with pytest.raises(ResultsError) as caught:
        parse_results("\n".join([HEADER, row.format("big.png")]), example_form(), evidence_dir=evidence)
    assert caught.value.messages() == ["row 2, column receipt: file 'big.png' is larger than 10 MB"]


def test_unknown_agents_and_branches_are_cell_errors():
    text = ("agent_email,branch,happened_at,answer_time,greeting,identified,listened,polite,overall,hold_time\n"
            "ghost@example.com,,2024-05-31T10:00,1,yes,yes,4,yes,5,\n"
            ",NOWHERE,2024-05-31T10:00,1,yes,yes,4,yes,5,\n")
    with pytest.raises(ResultsError) as caught:
        parse_results(text, example_form(), agent_exists=lambda e: e == "anna@example.com",
                      branch_exists=lambda b: b == "MSK-01")
    assert caught.value.messages() == [
        "row 2, column agent_email: is not the e-mail of a known agent",
        "row 3, column branch: is not the code of a known branch",
    ]


def test_row_numbers_follow_the_spreadsheet(evidence):
    # A quoted cell over two lines is still one spreadsheet row; blank lines are rows too.
    text = (HEADER + "\r\n"
            "a@example.com,2024-05-31T10:00,,1,yes,yes,4,yes,5,,\"line one\nline two\",,\r\n"
            "\r\n"
            "a@example.com,2024-05-31T10:00,,1,yes,yes,4,yes,5,,,,\r\n"
            "a@example.com,2024-05-31T10:00,,1,oui,yes,4,yes,5,,,,\r\n")
    with pytest.raises(ResultsError) as caught:
        parse_results(text, example_form())
    assert caught.value.messages() == ["row 5, column greeting: must be yes or no (also 1/0, да/нет)"]


def test_yes_no_spellings_are_case_insensitive():
    words = {"YES": True, "Yes": True, "1": True, "ДА": True, "Да": True,
             "no": False, "NO": False, "0": False, "Нет": False}
    lines = ["branch,happened_at,answer_time,greeting,identified,listened,polite,overall,hold_time"]
    lines += [f"B1,2024-05-31T10:00,1,{word},NA,4,yes,5," for word in words]
    rows = parse_results("\n".join(lines), example_form())
    assert [r.answers["greeting"] for r in rows] == list(words.values())
    assert all(r.answers["identified"] == NA for r in rows)


@pytest.mark.parametrize("data, message", [
    (b"", "row 1: the file is empty; it needs a header row"),
    ("branch,happened_at\n".encode("cp1251"), None),
    ("отделение,время\n".encode("cp1251"), "the file is not UTF-8 text (the first bad character is on line 1)"),
    (b"\xef\xbb\xbfbranch,happened_at,answer_time,greeting,identified,listened,polite,overall,hold_time\n",
     "row 2: there are no results below the header"),
])
def test_file_level_problems(data, message):
    with pytest.raises(ResultsError) as caught:
        parse_results(data, example_form())
    if message:
        assert caught.value.messages()[0].startswith(message)


def test_export_reads_back_to_the_same_rows(evidence):
    text = "\n".join([
        HEADER,
        "anna@example.com,2024-05-31T14:30:00+03:00,shopper@agency.ru,45.5,yes,na,4,yes,5,300,"
        "\"Said \"\"hello\"\",\nthen waited\",receipt1.jpg;shelf.png,call1.mp3",
        ",2024-06-01T09:05:00,,61,no,,0,yes,1,,,,",
    ]).replace(",2024-06-01", "bob@example.com,2024-06-01", 1)
    rows = parse_results(text, example_form(), evidence_dir=evidence)
    exported = export_rows(example_form(), rows)
    assert exported.splitlines()[0] == "agent_email,branch,happened_at,shopper_email," + \
        "answer_time,greeting,identified,listened,polite,overall,hold_time,notes,receipt,recording"
    again = parse_results(exported, example_form(), evidence_dir=evidence)
    assert [(r.agent_email, r.happened_at, r.shopper_email, r.answers, r.evidence) for r in again] == \
        [(r.agent_email, r.happened_at, r.shopper_email, r.answers, r.evidence) for r in rows]


CSV_ALPHABET = list("abcyesno01,;\"\n\r :-T.@/\\xé") + ["да", "нет", "na", HEADER[:40], "\x00", "\ufeff"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(CSV_ALPHABET), max_size=60).map("".join))
def test_random_csv_text_only_ever_raises_results_error(text):
    try:
        parse_results(text, example_form(), evidence_dir="/nonexistent-evidence")
    except ResultsError as exc:
        assert exc.problems


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=12), min_size=13, max_size=13))
def test_random_cells_under_a_good_header_only_ever_raise_results_error(cells):
    out = io.StringIO()
    csv.writer(out).writerows([HEADER.split(","), cells])
    try:
        parse_results(out.getvalue(), example_form(), evidence_dir="/nonexistent-evidence")
    except ResultsError as exc:
        assert exc.problems


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_only_ever_raise_results_error(data):
    try:
        parse_results(data, example_form())
    except ResultsError:
        pass
