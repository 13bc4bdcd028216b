"""Calibration: import validation, statistics against hand-computed values, flags, repeats."""

from __future__ import annotations

import csv
import io
import itertools
import json
import math

import numpy as np
import pytest

from interviewer import calibration
from interviewer.bank import Bank, Question
from interviewer.calibration import (
    CalibrationItem,
    QuestionStats,
    SessionScore,
    agreement,
    calibrate,
    corrected_item_total,
    flag_question,
    human_alpha,
    item_statistics,
    parse_human_scores,
    rater_biases,
    round_score,
)
from interviewer.errors import InputError
from interviewer.grading.base import Grade, GradeRequest, GraderInfo
from interviewer.grading.cache import MemoryGradeCache
from interviewer.grading.evaluation import quadratic_kappa
from interviewer.grading.service import GradingService


def _question(qid: str, text: str) -> Question:
    return Question(
        id=qid,
        text=text,
        topic="gan",
        difficulty=2,
        key_points=[f"{qid} key point"],
        model_answer=f"{qid} model answer",
    )


@pytest.fixture(scope="module")
def bank() -> Bank:
    return Bank(
        questions=[
            _question("q01", "What is a GAN?"),
            _question("q02", "What is mode collapse?"),
            _question("q03", "What is a Nash equilibrium?"),
        ]
    )


class TableGrader:
    """Grades by looking the answer up in a table (deterministic, counts calls)."""

    def __init__(self, scores: dict[str, float | None]) -> None:
        self.scores = scores
        self.calls = 0

    def grade(self, question: Question, answer: str, *, use_cache: bool = True) -> Grade:
        self.calls += 1
        score = self.scores.get(answer)
        if score is None:
            return Grade(
                question_id=question.id,
                status="pending",
                flags=["pending"],
                grader=GraderInfo(kind="llm", model="fake"),
            )
        return Grade(
            question_id=question.id,
            overall=score,
            grader=GraderInfo(kind="offline", model="minilm", prompt_version="p1"),
        )


# --- statistics against hand-computed values ------------------------------------------------


def test_round_score_rounds_half_up():
    assert [round_score(v) for v in (0.4, 0.5, 2.5, 3.49, 4.5, 5.0)] == [0, 1, 3, 3, 5, 5]


def test_agreement_matches_hand_computed_figures():
    # Hand computation: QWK = 1 - mean (h - g)^2 / (var g + var h + (mean h - mean g)^2)
    # = 1 - 0.2 / (2 + 2.96 + 0.04); Pearson = 12 / sqrt(10 * 14.8); ranks identical.
    result = agreement([0, 1, 2, 3, 4], [0, 1, 2, 3, 5])
    assert result.n == 5 and result.too_few is None
    assert result.qwk == pytest.approx(1 - 0.2 / 5.0, abs=1e-3)
    assert result.pearson == pytest.approx(12 / math.sqrt(148), abs=1e-3)
    assert result.spearman == pytest.approx(1.0)
    assert result.mae == pytest.approx(0.2)
    assert result.bias == pytest.approx(-0.2)
    assert result.confusion[5][4] == 1 and result.confusion[1][1] == 1
    assert sum(map(sum, result.confusion)) == 5


def test_kappa_matches_scikit_learn_on_random_scores():
    from sklearn.metrics import cohen_kappa_score

    rng = np.random.default_rng(3)
    for _ in range(200):
        n = int(rng.integers(2, 30))
        human = rng.choice([0, 1, 2, 2.5, 3, 4, 4.5, 5], n)
        grader = np.round(rng.uniform(0, 5, n), 1)
        h = [round_score(v) for v in human]
        g = [round_score(v) for v in grader]
        expected = cohen_kappa_score(h, g, labels=list(range(6)), weights="quadratic")
        value = quadratic_kappa(human, grader)
        if len(set(h) | set(g)) == 1:
            assert value is None
        else:
            assert value == pytest.approx(expected, abs=1e-9)


def test_agreement_is_undefined_not_invented_for_constant_scores():
    result = agreement([3, 3, 3, 3, 3], [3, 3, 3, 3, 3])
    assert result.qwk is None and result.pearson is None and result.spearman is None
    assert result.mae == 0


def test_agreement_of_one_answer_has_no_kappa():
    """A question scored on one answer showed QWK 0.00 in calibrate's table, a figure one
    answer cannot give."""
    result = agreement([1.3], [4.0])
    assert result.n == 1 and result.qwk is None and result.pearson is None
    assert result.mae == pytest.approx(2.7)


def test_agreement_of_two_answers_has_no_correlation():
    """Two points always lie on a line: a question scored on two answers showed Pearson -1.00."""
    two = agreement([1.0, 4.0], [3.0, 2.0])
    assert two.pearson is None and two.spearman is None and two.mae == pytest.approx(2.0)


def test_agreement_under_five_answers_says_too_few_instead_of_a_figure():
    """Two answers scored alike by the team and the grader showed QWK 1.00; unrelated scores
    over three or four answers reach +-1 as easily as 0 (three showed Pearson -0.98)."""
    two = agreement([1.0, 4.0], [1.0, 4.0])
    assert two.qwk is None and two.pearson is None
    assert two.too_few == "too few scored answers (n = 2; at least 5 needed)"
    four = agreement([1.0, 4.0, 2.0, 3.0], [3.0, 2.0, 2.5, 1.0])
    assert four.qwk is None and four.pearson is None and four.spearman is None
    assert four.too_few == "too few scored answers (n = 4; at least 5 needed)"
    assert four.mae == pytest.approx(1.625)  # an average error still means what it says
    five = agreement([1.0, 4.0, 2.0, 3.0, 0.0], [3.0, 2.0, 2.5, 1.0, 0.0])
    assert five.too_few is None and five.qwk is not None and five.pearson is not None


def test_human_alpha_matches_hand_computed_interval_alpha():
    # Two raters, three answers: D_o = 4/6, D_e = 64/30, alpha = 1 - D_o/D_e = 0.6875.
    units = [{"A": 1, "B": 2}, {"A": 2, "B": 2}, {"A": 3, "B": 4}]
    assert human_alpha(units) == pytest.approx(0.6875, abs=1e-3)


def test_human_alpha_is_none_with_one_rater():
    assert human_alpha([{"A": 1}, {"A": 3}]) is None


def test_human_alpha_is_none_with_one_answer_scored_twice():
    # It gave 0.0 (and a "raters disagree" flag) for a 3 and a 4 on the only shared answer.
    assert human_alpha([{"A": 3, "B": 4}, {"A": 2}]) is None


def test_corrected_item_total_matches_hand_computed_correlation():
    scores = {
        "c1": {"qa": 1, "qb": 1, "qc": 2},
        "c2": {"qa": 2, "qb": 3, "qc": 2},
        "c3": {"qa": 4, "qb": 3, "qc": 5},
        "c4": {"qa": 5, "qb": 5, "qc": 4},
    }
    # x = [1,2,4,5]; rest mean = [1.5,2.5,4,4.5]: r = 7.5 / sqrt(10 * 5.6875).
    assert corrected_item_total(scores, "qa") == pytest.approx(7.5 / math.sqrt(56.875), abs=1e-3)


def test_item_statistics_give_mean_spread_difficulty_histogram():
    stats = item_statistics([("q", "a", 1.0), ("q", "b", 2.0), ("q", "c", 2.4), ("q", "d", 5.0)])[
        "q"
    ]
    assert stats.answers == 4 and stats.candidates == 4
    assert stats.mean == pytest.approx(2.6)
    assert stats.sd == pytest.approx(float(np.std([1, 2, 2.4, 5], ddof=1)), abs=1e-3)
    assert stats.difficulty == pytest.approx(1 - 2.6 / 5)
    assert stats.histogram == [0, 1, 2, 0, 0, 1]
    assert stats.discrimination is None  # nobody answered another question


def _two_questions(candidates: int, also_qb: int) -> list[tuple[str, str, float]]:
    """`candidates` answer qa with rising scores; the first `also_qb` also answer qb, falling."""
    entries = [("qa", f"c{i}", float(i % 6)) for i in range(candidates)]
    return entries + [("qb", f"c{i}", float(5 - i % 6)) for i in range(also_qb)]


def test_item_statistics_give_discrimination_only_from_five_candidates():
    # It was shown from three candidates but flagged only from five: r over four is noise.
    four = item_statistics(_two_questions(4, 4))["qa"]
    assert four.discrimination is None and four.discrimination_candidates == 4
    assert calibration.discrimination_text(four) == "too few"
    five = item_statistics(_two_questions(5, 5))["qa"]
    assert five.discrimination == pytest.approx(-1.0) and five.discrimination_candidates == 5
    assert calibration.discrimination_text(five) == "-1.00"


def test_flag_no_discrimination_counts_only_candidates_who_answered_another_question():
    """Five answered qa but only four of them another question: the r over those four was
    flagged as 'over 5 candidates'."""
    items = item_statistics(_two_questions(5, 4))["qa"]
    stats = QuestionStats(question_id="qa", text="?", n=0, items=items)
    assert items.candidates == 5 and items.discrimination is None
    assert flag_question(stats, 0) == []
    items = item_statistics(_two_questions(6, 5))["qa"]
    (flag,) = flag_question(QuestionStats(question_id="qa", text="?", n=0, items=items), 0)
    assert flag.code == "no_discrimination" and "over 5 candidates" in flag.reason


def test_rater_biases_compare_each_rater_with_the_others():
    items = [
        CalibrationItem(question_id="q", answer="a", ratings={"A": 2, "B": 4}, auto=3),
        CalibrationItem(question_id="q", answer="b", ratings={"A": 3, "B": 3, "C": 3}, auto=3),
    ]
    by_rater = {r.rater: r for r in rater_biases(items)}
    assert by_rater["A"].bias == pytest.approx(-1.0)
    assert by_rater["B"].bias == pytest.approx(1.0)
    assert by_rater["C"].bias == pytest.approx(0.0)
    assert by_rater["A"].grader_bias == pytest.approx(0.5)


# --- import validation ----------------------------------------------------------------------


GOOD_CSV = """question_id,answer,rater,score,candidate,notes
q01,A generator and a discriminator,ann,4,c1,ok
q01,"A generator, a discriminator",bob,3.5,c2,
"""


def test_parse_csv_keeps_good_rows_and_reports_ignored_columns(bank):
    result = parse_human_scores(GOOD_CSV.encode(), "scores.csv", bank)
    assert [r.score for r in result.rows] == [4.0, 3.5]
    assert result.rows[1].answer == "A generator, a discriminator"
    assert result.ignored_columns == ["notes"]
    assert result.problems == []


def test_parse_csv_written_by_a_spreadsheet_keeps_quotes_and_line_breaks(bank):
    # What csv.writer and Excel produce: doubled quotes and line breaks inside quoted fields.
    # The first quotes come after 4 kB, past what a dialect sniffer would look at.
    plain = ["Two networks, one loss. " * 20] * 10
    quoted = [
        'It maps noise to samples.\nThe "generator" and the "discriminator" compete.',
        'A "minimax" game, "fair", as in:\n1. D learns\n2. G learns',
    ]
    answers = plain + quoted
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["question_id", "answer", "rater", "score", "candidate"])
    for i, answer in enumerate(answers):
        writer.writerow(["q01", answer, "ann", i % 6, f"c{i}"])
    result = parse_human_scores(buffer.getvalue().encode(), "scores.csv", bank)
    assert result.problems == []
    assert [r.answer for r in result.rows] == answers
    assert result.rows[-1].line == 14  # lines count the break inside the answer before it


def test_parse_csv_with_semicolons_as_a_european_spreadsheet_saves_it(bank):
    text = 'question_id;answer;rater;score\nq01;"Two networks; one game";ann;3,5\n'
    result = parse_human_scores(text.encode(), "scores.csv", bank)
    assert result.problems == []
    assert result.rows[0].answer == "Two networks; one game" and result.rows[0].score == 3.5


def test_parse_reports_every_bad_row_with_line_number_and_reason(bank):
    text = (
        "question_id,question,answer,rater,score,reference_answer\n"
        "q01,,good answer,ann,4,\n"  # 2 ok
        "q01,,too high,ann,7,\n"  # 3 score out of range
        "q01,,not a number,ann,abc,\n"  # 4 score not a number
        "q99,,unknown id,ann,2,\n"  # 5 unknown question id
        ",Free question?,no reference,ann,2,\n"  # 6 not in bank, no reference
        "q01,,good answer,ann,3,\n"  # 7 duplicate rater for the same answer
        "q01,,short row\n"  # 8 wrong number of fields
        ",Free question?,an answer,bob,2,The reference answer.\n"  # 9 ok (ad-hoc)
        "q01,,,bob,,\n"  # 10 empty score
    )
    result = parse_human_scores(text.encode(), "s.csv", bank)
    problems = {p.line: p.reason for p in result.problems}
    assert sorted(problems) == [3, 4, 5, 6, 7, 8, 10]
    assert "outside 0-5" in problems[3]
    assert "not a number" in problems[4]
    assert "q99" in problems[5]
    assert "reference_answer" in problems[6]
    assert "line 2" in problems[7]
    assert "fields" in problems[8]
    assert "empty" in problems[10]
    assert [r.line for r in result.rows] == [2, 9]
    assert result.rows[1].question.id.startswith("adhoc-")


def test_parse_jsonl_reports_bad_json_lines(bank):
    lines = [
        json.dumps({"question_id": "q02", "answer": "x", "rater": "ann", "score": 2}),
        "{not json",
        json.dumps(
            {"question": "What is mode collapse?", "answer": "y", "rater": "ann", "score": 1}
        ),
        json.dumps({"question_id": "q02", "answer": "z", "score": 1}),
    ]
    result = parse_human_scores("\n".join(lines).encode(), "s.jsonl", bank)
    assert [r.line for r in result.rows] == [1, 3]
    assert result.rows[1].question.id == "q02"  # matched by its bank text
    assert {p.line for p in result.problems} == {2, 4}
    assert "rater" in result.problems[1].reason


def test_parse_says_a_json_array_must_be_json_lines(bank):
    """A JSON array got "each line must be a JSON object", with no word of JSON Lines."""
    rows = [{"question_id": "q02", "answer": "x", "rater": "ann", "score": 2}]
    with pytest.raises(InputError, match=r"s\.json holds one JSON array: .*JSON Lines"):
        parse_human_scores(json.dumps(rows, indent=1).encode(), "s.json", bank)


def test_parse_reports_a_scored_empty_answer_as_a_bad_row(bank):
    # Kept, it was graded 0 ("empty") and compared with the human 3: MAE and bias moved.
    text = (
        "question_id,question,reference_answer,answer,rater,score,candidate\n"
        "q01,,,A generator and a discriminator,carol,3,x0\n"
        "q01,,,,carol,3,x1\n"
        'q01,,,"   ",carol,2,x2\n'
    )
    result = parse_human_scores(text.encode(), "s.csv", bank)
    assert [r.line for r in result.rows] == [2]
    assert [(p.line, p.reason) for p in result.problems] == [
        (3, "answer is empty"),
        (4, "answer is empty"),
    ]


def test_parse_jsonl_bad_lines_read_plainly(bank):
    lines = [
        '{"question_id": "q01", "answer": "x", "rater": "ann", "score": "3',
        json.dumps({"question_id": "q01", "answer": "x", "rater": "bob", "score": None}),
    ]
    result = parse_human_scores("\n".join(lines).encode(), "s.jsonl", bank)
    reasons = [p.reason for p in result.problems]
    assert reasons[0].startswith("not valid JSON (Unterminated string starting at column ")
    assert "at at" not in reasons[0]
    assert reasons[1] == "score is empty (null)"


def test_parse_refuses_a_file_scored_on_another_scale(bank):
    # Row by row, 8 of 12 rows were rejected and the 4 low ones analysed as 0-5 scores.
    scores = [8.0, 9.0, 6.0, 10.0, 7.0, 2.0, 8.0, 3.0, 9.0, 1.0, 6.0, 4.0]
    lines = ["question_id,candidate,answer,rater,score"]
    lines += [f"q01,c{i},answer {i},ann,{s}" for i, s in enumerate(scores)]
    content = "\n".join(lines).encode()
    with pytest.raises(InputError, match=r"8 of 12 scores are above 5, up to 10, .*divide by 2"):
        parse_human_scores(content, "s.csv", bank)
    with pytest.raises(InputError, match=r"up to 90, .*divide by 20.*Nothing was analysed"):
        parse_human_scores(content.replace(b",ann,9.0", b",ann,90"), "s.csv", bank)


def test_parse_rejects_a_stray_score_above_5_row_by_row(bank):
    lines = ["question_id,candidate,answer,rater,score"]
    lines += [f"q01,c{i},answer {i},ann,{i % 5}" for i in range(9)] + ["q01,c9,answer 9,ann,45"]
    result = parse_human_scores("\n".join(lines).encode(), "s.csv", bank)
    assert len(result.rows) == 9 and [p.line for p in result.problems] == [11]


def test_parse_finds_a_bank_id_typed_in_another_case(bank):
    text = "question_id,answer,rater,score\nQ01,A generator and a discriminator,ann,4\n"
    result = parse_human_scores(text.encode(), "s.csv", bank)
    assert result.problems == [] and result.rows[0].question.id == "q01"


def test_parse_finds_a_bank_question_as_a_spreadsheet_rewrote_its_text(bank):
    # No "?", curly quotes, a trailing period, double spaces, a full-width letter (NFKC).
    typed = [
        "what is a GAN",
        "What is \u201cmode collapse\u201d.",
        "What  is a Nash equilibrium ?",
        "What is a \uff27AN",
    ]
    rows = "".join(f'"{text}",Some answer {n},ann,3\n' for n, text in enumerate(typed))
    result = parse_human_scores(f"question,answer,rater,score\n{rows}".encode(), "s.csv", bank)
    assert result.problems == []
    assert [r.question.id for r in result.rows] == ["q01", "q02", "q03", "q01"]


def test_parse_finds_a_bank_question_with_curly_apostrophes_and_other_dashes():
    bank = Bank(questions=[_question("q01", "What's a GAN's generator-discriminator game?")])
    for typed in (
        "What\u2019s a GAN\u2019s generator\u2013discriminator game",
        "Whats a GANs generator \u2014 discriminator game?",
    ):
        result = parse_human_scores(
            f'question,answer,rater,score\n"{typed}",An answer,ann,3\n'.encode(), "s.csv", bank
        )
        assert [r.question.id for r in result.rows] == ["q01"], typed


def test_parse_never_puts_a_row_on_one_of_two_questions_that_differ_in_punctuation():
    bank = Bank(
        questions=[_question("q01", "Is it a GAN? Why?"), _question("q02", "Is it a GAN-why?")]
    )
    text = (
        "question,answer,rater,score\n"
        '"Is it a GAN? Why?",An answer,ann,3\n'  # exact text: that question
        '"is it a gan why",Another answer,ann,3\n'  # either: the row says which
    )
    result = parse_human_scores(text.encode(), "s.csv", bank)
    assert [r.question.id for r in result.rows] == ["q01"]
    assert [p.line for p in result.problems] == [3]
    assert "q01, q02" in result.problems[0].reason and "question_id" in result.problems[0].reason


def test_shipped_bank_questions_stay_distinct_when_matched_up_to_punctuation():
    from interviewer.bank import load_bank, question_key
    from interviewer.settings import PROJECT_ROOT

    questions = load_bank(PROJECT_ROOT / "knowledge" / "questions.yaml").questions
    for a, b in itertools.combinations(questions, 2):
        assert question_key(a.text) != question_key(b.text), (a.id, b.id)
    # Each is still found by its own text without the final "?".
    for question in questions:
        text = question.text.rstrip("?").replace('"', '""')
        result = parse_human_scores(
            f'question,answer,rater,score\n"{text}",An answer,ann,3\n'.encode(),
            "s.csv",
            Bank(questions=questions),
        )
        assert [r.question.id for r in result.rows] == [question.id]


def test_parse_says_a_csv_file_named_jsonl_should_be_renamed(bank):
    # Each line was reported as "not valid JSON (Expecting value at column 1)".
    content = b"question_id,answer,rater,score\nq01,An answer,ann,3\n"
    with pytest.raises(
        InputError,
        match=r"s\.jsonl is named as JSON Lines but holds CSV.*"
        r"rename it to \.csv",
    ):
        parse_human_scores(content, "s.jsonl", bank)


def test_parse_says_a_json_array_in_a_csv_file_must_be_json_lines(bank):
    rows = [{"question_id": "q02", "answer": "x", "rater": "ann", "score": 2}]
    with pytest.raises(InputError, match=r"s\.csv holds one JSON array: .*JSON Lines"):
        parse_human_scores(json.dumps(rows).encode(), "s.csv", bank)


def test_parse_says_a_workbook_must_be_saved_as_csv(bank):
    import zipfile

    book = io.BytesIO()
    with zipfile.ZipFile(book, "w") as archive:  # an .xlsx is a zip of XML parts
        archive.writestr("[Content_Types].xml", "<Types/>")
    for name in ("scores.xlsx", "scores.csv"):
        with pytest.raises(InputError, match=f"{name} is a spreadsheet workbook.*'CSV UTF-8'"):
            parse_human_scores(book.getvalue(), name, bank)


def test_parse_refuses_a_row_whose_question_id_and_text_name_different_questions(bank):
    # q03 with q01's text was scored as q03.
    text = (
        "question_id,question,answer,rater,score\n"
        "q03,What is a GAN?,An answer,ann,3\n"
        "q01,what is a gan,Another answer,ann,3\n"  # the same question, spelled loosely
        "q02,What is mode collapse in GANs?,A third answer,ann,3\n"  # not a bank text: the id
    )
    result = parse_human_scores(text.encode(), "s.csv", bank)
    assert [(r.line, r.question.id) for r in result.rows] == [(3, "q01"), (4, "q02")]
    assert [p.line for p in result.problems] == [2]
    assert result.problems[0].reason == (
        "question_id q03 is 'What is a Nash equilibrium?' but the question text is q01's "
        "('What is a GAN?'): correct the question_id or the question"
    )


def test_parse_says_what_to_do_with_a_question_that_matches_nothing():
    from interviewer.bank import load_bank
    from interviewer.settings import PROJECT_ROOT

    bank = load_bank(PROJECT_ROOT / "knowledge" / "questions.yaml")
    text = (
        "question_id,question,answer,rater,score\n"
        ",What is entropy?,An answer,ann,3\n"
        ",Explain the concept of drop-out in neural nets,An answer,ann,3\n"
        "q99,,An answer,ann,3\n"
    )
    problems = [p.reason for p in parse_human_scores(text.encode(), "s.csv", bank).problems]
    assert problems[0] == (
        "question 'What is entropy?' is not in the bank: give its question_id or the bank's "
        "text, or add a reference_answer column to grade it as a question outside the bank"
    )
    assert "(closest: q32 'Explain the concept of dropout in neural networks.')" in problems[1]
    assert "`interviewer questions list` shows them" in problems[2]


def test_parse_says_what_to_do_with_a_header_and_no_rows(bank):
    with pytest.raises(InputError, match="has a header but no rows: add one row per score"):
        parse_human_scores(b"question_id,answer,rater,score\n", "s.csv", bank)


def test_parse_rejects_wrong_columns_with_what_was_found(bank):
    with pytest.raises(InputError, match="lacks the column.*rater.*found id, text"):
        parse_human_scores(b"id,text,answer,score\n1,x,y,3\n", "s.csv", bank)


def test_parse_rejects_non_utf8_with_the_line(bank):
    content = "question_id,answer,rater,score\nq01,caf\u00e9,ann,3\n".encode("latin-1")
    with pytest.raises(InputError, match="not UTF-8.*line 2.*Save it as UTF-8"):
        parse_human_scores(content, "s.csv", bank)


def test_parse_reads_excels_unicode_text_export(bank):
    """Excel's "Save as Unicode Text" writes UTF-16 with a byte-order mark, tab separated, with
    Windows line endings: it was refused as "not UTF-8 text (byte 0xff on line 1)"."""
    rows = "question_id\tanswer\trater\tscore\r\nq01\tcaf\u00e9 au lait\tZo\u00eb\t3,5\r\n"
    for encoding in ("utf-16", "utf-16-be"):  # "utf-16" writes a little-endian BOM
        content = rows.encode(encoding)
        if encoding == "utf-16-be":
            content = b"\xfe\xff" + content
        result = parse_human_scores(content, "scores.txt", bank)
        assert result.problems == []
        (row,) = result.rows
        assert (row.question.id, row.answer, row.rater, row.score) == (
            "q01",
            "caf\u00e9 au lait",
            "Zo\u00eb",
            3.5,
        )


def test_parse_calls_an_image_a_binary_file_not_a_bad_byte(bank):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"
    with pytest.raises(InputError, match=r"scores.csv is a binary file .*not text\. Save it as"):
        parse_human_scores(png, "scores.csv", bank)


def test_parse_names_the_files_own_separator_in_a_row_with_too_many_fields(bank):
    """A semicolon file (Excel where the decimal mark is a comma) was told of "a comma inside
    an unquoted answer", and an empty JSON Lines file that it needed a header."""
    content = b"question_id;answer;rater;score\r\nq01;Bias; then variance;ann;3\r\n"
    (problem,) = parse_human_scores(content, "s.csv", bank).problems
    assert problem.line == 2 and problem.reason == (
        "5 fields where the header has 4 (a semicolon inside an answer not in double quotes?)"
    )
    with pytest.raises(InputError, match=r"^s.jsonl is empty: it needs one JSON object per score"):
        parse_human_scores(b"\n", "s.jsonl", bank)


def test_parse_rejects_a_huge_file(bank, monkeypatch):
    monkeypatch.setattr(calibration, "MAX_BYTES", 100)
    with pytest.raises(InputError, match="limit.*Split it"):
        parse_human_scores(b"x" * 101, "s.csv", bank)


def test_load_human_scores_names_a_missing_file(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        calibration.load_human_scores(str(tmp_path / "nope.csv"))


# --- the whole run ----------------------------------------------------------------------------


def _rows(spec: list[tuple[str, str, str, str, float]]) -> bytes:
    lines = ["question_id,candidate,answer,rater,score"]
    lines += [f"{q},{c},{a},{r},{s}" for q, c, a, r, s in spec]
    return "\n".join(lines).encode()


@pytest.fixture(scope="module")
def known_run(bank):
    """q01: grader matches the hand case; q02: grader 2.5 too high; q03: raters disagree."""
    spec = []
    auto = {}
    for i, (g, h) in enumerate(zip([1, 2, 3, 4], [1, 2, 3, 5], strict=True)):
        spec += [("q01", f"c{i}", f"a1{i}", "ann", h), ("q01", f"c{i}", f"a1{i}", "bob", h)]
        auto[f"a1{i}"] = g
    for i, h in enumerate([0, 1, 1, 2]):
        spec += [("q02", f"c{i}", f"a2{i}", "ann", h), ("q02", f"c{i}", f"a2{i}", "bob", h)]
        auto[f"a2{i}"] = h + 2.5
    for i, (a, b) in enumerate([(0, 4), (5, 1), (1, 5), (4, 0)]):
        spec += [("q03", f"c{i}", f"a3{i}", "ann", a), ("q03", f"c{i}", f"a3{i}", "bob", b)]
        auto[f"a3{i}"] = 2.5
    spec.append(("q03", "c9", "pending answer", "ann", 3))
    auto["pending answer"] = None
    grader = TableGrader(auto)
    imported = parse_human_scores(_rows(spec), "s.csv", bank)
    sessions = [SessionScore(question_id="q01", candidate="c0", score=1.0)]
    return calibrate(imported, grader, session_scores=sessions, repeat=3, repeat_sample=6), grader


def test_calibrate_reports_known_per_question_agreement(known_run):
    result, _ = known_run
    q01 = next(q for q in result.questions if q.question_id == "q01")
    assert q01.n == 4
    assert q01.qwk is None and q01.too_few == "too few scored answers (n = 4; at least 5 needed)"
    assert result.overall.n == 12 and result.overall.qwk is not None
    assert q01.mae == pytest.approx(0.25) and q01.bias == pytest.approx(-0.25)
    assert q01.alpha == pytest.approx(1.0)  # both raters always agree
    assert q01.flags == []


def test_calibrate_flags_a_question_where_the_grader_disagrees(known_run):
    result, _ = known_run
    q02 = next(q for q in result.questions if q.question_id == "q02")
    assert q02.bias == pytest.approx(2.5)
    codes = {f.code: f for f in q02.flags}
    assert "grader_disagrees" in codes
    assert "mostly higher" in codes["grader_disagrees"].reason
    assert "key points" in codes["grader_disagrees"].action
    assert "too_hard" in codes  # mean 1.0


def test_flag_grader_disagrees_says_when_misses_go_both_ways():
    stats = QuestionStats(question_id="q", text="?", n=20, mae=1.5, bias=-0.2, human_mad=0.4)
    (flag,) = flag_question(stats, rated_units=20)
    assert flag.code == "grader_disagrees"
    assert "higher for some answers and lower for others" in flag.reason
    assert "mostly" not in flag.reason


def test_calibrate_flags_raters_who_disagree(known_run):
    result, _ = known_run
    q03 = next(q for q in result.questions if q.question_id == "q03")
    assert q03.alpha is not None and q03.alpha < 0
    assert q03.human_mad == pytest.approx(4.0)
    assert "raters_disagree" in {f.code for f in q03.flags}
    # The grader is 2 points from the consensus but humans differ by 4: not blamed on the grader.
    assert "grader_disagrees" not in {f.code for f in q03.flags}


def test_calibrate_overall_json_has_documented_shape(known_run):
    result, _ = known_run
    data = result.to_json()
    assert set(data["overall"]) >= {"qwk", "pearson", "spearman", "mae", "bias", "alpha", "n"}
    assert data["overall"]["n"] == 12 and data["overall"]["pending"] == 1
    q = data["questions"][0]
    assert set(q) >= {
        "qwk",
        "pearson",
        "spearman",
        "mae",
        "bias",
        "alpha",
        "n",
        "flags",
        "mean",
        "sd",
        "difficulty",
        "discrimination",
        "histogram",
    }
    json.dumps(data)


def test_calibrate_includes_session_answers_in_item_statistics(known_run):
    result, _ = known_run
    q01 = next(q for q in result.questions if q.question_id == "q01")
    assert q01.items.answers == 5 and result.session_answers == 1


def test_calibrate_text_says_stored_session_answers_are_counted(known_run, capsys):
    """`interviewer calibrate` counted stored sessions' answers in its item statistics
    without a word (its HTML report said so)."""
    from interviewer.cli.calibrate import _print_text

    _print_text(known_run[0])
    out = " ".join(capsys.readouterr().out.split())
    assert "also count 1 graded answer of stored interview sessions; --no-sessions" in out


def test_calibrate_text_marks_discrimination_over_too_few_candidates(known_run, capsys):
    # Four candidates answered every question: the table showed a correlation over them.
    from interviewer.cli.calibrate import _print_text

    _print_text(known_run[0])
    out = capsys.readouterr().out
    q01 = next(line for line in out.splitlines() if " q01 " in line)
    assert "too few" in q01
    assert "needs 5 candidates who answered the question and another one" in " ".join(out.split())


def test_calibrate_counts_a_stored_answer_also_in_the_file_once(bank):
    """A team scores its stored sessions' answers and imports the file: each answer was then
    counted twice in the item statistics (six histogram bars for three answers)."""
    spec = [("q01", f"c{i}", f"answer number {i}", "ann", float(i + 1)) for i in range(3)]
    imported = parse_human_scores(_rows(spec), "s.csv", bank)
    stored = [
        SessionScore(question_id="q01", candidate=f"c{i}", score=2.0, answer=f"Answer  number {i}")
        for i in range(3)
    ] + [SessionScore(question_id="q01", candidate="c9", score=4.0, answer="another answer")]
    grader = TableGrader({f"answer number {i}": 2.0 for i in range(3)})
    result = calibrate(imported, grader, session_scores=stored)
    q01 = next(q for q in result.questions if q.question_id == "q01")
    assert q01.items.answers == 4  # three from the file, one stored answer not in it


def test_calibrate_says_how_many_stored_answers_its_statistics_took_in(bank, capsys):
    """Every stored answer had been scored in the file (so counted once, as the file's): the
    text said "also count 4 graded answers of stored interview sessions", the HTML "plus 4
    graded session answers", where one was added, and none of a question not in the file."""
    from interviewer.cli.calibrate import _print_text
    from interviewer.reports.calibration import render_calibration_html

    spec = [("q01", f"c{i}", f"answer number {i}", "ann", float(i + 1)) for i in range(3)]
    imported = parse_human_scores(_rows(spec), "s.csv", bank)
    stored = [
        SessionScore(question_id="q01", candidate=f"c{i}", score=2.0, answer=f"answer number {i}")
        for i in range(2)
    ] + [
        SessionScore(question_id="q01", candidate="c9", score=4.0, answer="another answer"),
        SessionScore(question_id="q04", candidate="c9", score=4.0, answer="mode collapse"),
    ]
    grader = TableGrader({f"answer number {i}": 2.0 for i in range(3)})
    result = calibrate(imported, grader, session_scores=stored)
    _print_text(result)
    out = " ".join(capsys.readouterr().out.split())
    assert "also count 1 graded answer of stored interview sessions" in out, out
    assert "plus 1 graded session answer in the item statistics" in render_calibration_html(result)


def test_calibrate_repeat_measures_spread_per_question(known_run):
    result, grader = known_run
    q01 = next(q for q in result.questions if q.question_id == "q01")
    assert q01.consistency is not None
    assert q01.consistency.repeats == 3 and q01.consistency.mean_sd == 0.0
    # 13 distinct answers graded once, plus 2 per question (sample 6 / 3) x 3 repeats.
    assert grader.calls == 13 + 3 * 2 * 3 - 1 * 0


class DriftingGrader:
    """A backend that scores the same answer differently on each call, as an LLM may."""

    name = "drifting"

    def __init__(self) -> None:
        self.scores = itertools.cycle([2.0, 3.0, 4.0])

    def grade(self, request: GradeRequest) -> Grade:
        return Grade(
            question_id=request.question.id,
            overall=next(self.scores),
            feedback="ok",
            grader=GraderInfo(kind="llm", model="drifting"),
        )


def test_calibrate_repeat_sees_past_the_grade_cache(bank, settings):
    # The service caches finished grades; a repeat served from it would always show 0 spread.
    service = GradingService(
        grader=DriftingGrader(),
        retriever=None,
        prompts_dir=settings.prompts_dir,
        models_dir=settings.models_dir,
        cache=MemoryGradeCache(),
    )
    answer = "A generator and a discriminator are trained against each other."
    imported = parse_human_scores(_rows([("q01", "c1", answer, "ann", 3)]), "s.csv", bank)
    result = calibrate(imported, service, repeat=3)
    q01 = result.questions[0]
    assert q01.consistency is not None
    assert q01.consistency.max_range == pytest.approx(2.0)  # graded 3, 4, 2 on repeat
    assert q01.consistency.mean_sd == pytest.approx(1.0)
    assert result.items[0].auto == 2.0  # the first grade, cached for the app, is unchanged
    assert service.grade(bank.get("q01"), answer).overall == 2.0


def test_calibrate_refuses_an_import_without_valid_rows(bank):
    imported = parse_human_scores(b"question_id,answer,rater,score\nq01,x,ann,9\n", "s.csv", bank)
    with pytest.raises(InputError, match="No valid row"):
        calibrate(imported, TableGrader({}))


def test_calibrate_in_parallel_gives_the_same_figures(bank, known_run):
    result, _ = known_run
    spec = [
        (i.question_id, i.candidate, i.answer, r, s)
        for i in result.items
        for r, s in i.ratings.items()
    ]
    imported = parse_human_scores(_rows(spec), "s.csv", bank)
    auto = {i.answer: i.auto for i in result.items}
    parallel = calibrate(
        imported,
        TableGrader(auto),
        workers=4,
        session_scores=[SessionScore(question_id="q01", candidate="c0", score=1)],
    )
    assert parallel.overall == result.overall
    assert [i.auto for i in parallel.items] == [i.auto for i in result.items]


def _interval_run(reversed_questions: set[int]) -> calibration.CalibrationResult:
    """Six questions, four answers each scored 1-4 by one interviewer; the grader agrees on
    each question, or ranks its answers in reverse."""
    questions = [_question(f"q{k:02d}", f"Question number {k}?") for k in range(6)]
    spec, auto = [], {}
    for k in range(6):
        for i, h in enumerate([1, 2, 3, 4]):
            answer = f"answer {k}-{i}"
            spec.append((f"q{k:02d}", f"c{i}", answer, "ann", float(h)))
            auto[answer] = float(5 - h if k in reversed_questions else h)
    imported = parse_human_scores(_rows(spec), "s.csv", Bank(questions=questions))
    return calibrate(imported, TableGrader(auto))


def test_calibrate_qwk_interval_shows_how_much_questions_disagree(known_run):
    assert known_run[0].overall.qwk_interval is None  # three questions: nothing to resample
    steady = _interval_run(reversed_questions={5}).overall
    mixed = _interval_run(reversed_questions={1, 3, 5}).overall
    assert steady.qwk_interval is not None and mixed.qwk_interval is not None
    for overall in (steady, mixed):
        low, high = overall.qwk_interval
        assert overall.qwk is not None and low <= overall.qwk <= high
    width = [o.qwk_interval[1] - o.qwk_interval[0] for o in (steady, mixed)]
    assert width[0] < width[1]


def test_calibrate_names_the_grader_not_the_guard_that_turned_the_first_answer_away(bank):
    """The first answer's grade named the grader: a file opening with a too-short answer
    read "grader guard" (the checks that refused it), another file "grader offline"."""

    class GuardedGrader(TableGrader):
        def grade(self, question: Question, answer: str, *, use_cache: bool = True) -> Grade:
            if answer == "idk":
                return Grade(
                    question_id=question.id,
                    overall=0.0,
                    flags=["too_short"],
                    grader=GraderInfo(kind="guard", prompt_version="p1"),
                )
            return super().grade(question, answer, use_cache=use_cache)

    good = "A generator and a discriminator are trained against each other."
    rows = _rows([("q01", "c1", "idk", "ann", 0), ("q01", "c2", good, "ann", 4)])
    result = calibrate(parse_human_scores(rows, "s.csv", bank), GuardedGrader({good: 4.0}))
    assert result.grader == "offline, minilm, prompt p1"
