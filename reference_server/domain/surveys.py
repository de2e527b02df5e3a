"""The evaluation surveys of each scheme, as data (``surveys.json``), and the rule for answers.

Semi-bansos has three surveys, the normal scheme two (as many as the scheme's ``survey_count``;
the amount paid for each is the scheme's ``survey_amount``, never a number here). A survey opens
once the incentive payment it follows (``after_incentive``: its step number) has been paid, is
answered once, and its payment is scheduled when it is answered.

A question is a ``rating`` (an integer 1-5), a ``choice`` (one of its ``options``, as text) or
``text`` (1-500 characters). An answer set is valid when it answers every question and nothing
else, each in its question's form.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from reference_server.domain.schemes import Scheme, load_schemes

KINDS = ("rating", "choice", "text")
RATING_RANGE = range(1, 6)
TEXT_LIMIT = 500


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    kind: str
    options: tuple[str, ...] = ()


@dataclass(frozen=True)
class Survey:
    """One survey of a scheme; ``step`` is its place (1, 2, …) among the scheme's surveys."""

    code: str
    step: int
    title: str
    after_incentive: int
    questions: tuple[Question, ...]


def _question(where: str, raw: Any) -> Question:
    if not isinstance(raw, dict) or not {"id", "text", "kind"} <= raw.keys():
        raise ValueError(f"{where}: a question needs id, text and kind")
    kind = raw["kind"]
    if kind not in KINDS:
        raise ValueError(f"{where}: kind must be one of {', '.join(KINDS)}")
    options = raw.get("options", [])
    if (kind == "choice") != bool(options) or not all(isinstance(o, str) for o in options):
        raise ValueError(f"{where}: options (text) exactly for a choice question")
    return Question(str(raw["id"]), str(raw["text"]), kind, tuple(options))


def parse_surveys(text: str, schemes: dict[str, Scheme]) -> dict[str, tuple[Survey, ...]]:
    """Surveys per scheme from JSON text, checked against the schemes; ValueError says what."""
    raw = json.loads(text)
    if not isinstance(raw, dict) or set(raw) != set(schemes):
        raise ValueError("surveys file must have an entry for exactly the known schemes")
    found: dict[str, tuple[Survey, ...]] = {}
    codes: set[str] = set()
    for name, entries in raw.items():
        scheme = schemes[name]
        if not isinstance(entries, list) or len(entries) != scheme.survey_count:
            raise ValueError(f"scheme {name!r}: needs {scheme.survey_count} survey(s)")
        surveys = []
        for step, entry in enumerate(entries, start=1):
            where = f"scheme {name!r} survey {step}"
            if not isinstance(entry, dict) or not {"code", "title", "after_incentive"} <= set(
                entry
            ):
                raise ValueError(f"{where}: needs code, title, after_incentive and questions")
            after = entry["after_incentive"]
            if not isinstance(after, int) or not 1 <= after <= scheme.incentive_count:
                raise ValueError(f"{where}: after_incentive must be 1..{scheme.incentive_count}")
            questions = tuple(
                _question(f"{where} question {n}", q)
                for n, q in enumerate(entry.get("questions") or [], start=1)
            )
            if not questions or len({q.id for q in questions}) != len(questions):
                raise ValueError(f"{where}: needs questions with distinct ids")
            if entry["code"] in codes:
                raise ValueError(f"{where}: code {entry['code']!r} is used twice")
            codes.add(entry["code"])
            surveys.append(Survey(entry["code"], step, entry["title"], after, questions))
        found[name] = tuple(surveys)
    return found


@cache
def _packaged() -> dict[str, tuple[Survey, ...]]:
    text = resources.files("reference_server.domain").joinpath("surveys.json").read_text("utf-8")
    return parse_surveys(text, load_schemes())


def surveys_of(scheme_name: str) -> tuple[Survey, ...]:
    """The packaged surveys of a scheme (empty for an unknown scheme)."""
    return _packaged().get(scheme_name, ())


def answers_problem(survey: Survey, answers: dict[str, Any]) -> str | None:
    """Why ``answers`` do not answer ``survey`` (None when they do)."""
    asked = {q.id: q for q in survey.questions}
    unknown = sorted(set(answers) - set(asked))
    if unknown:
        return f"unknown question(s): {', '.join(unknown)}"
    missing = [q for q in asked if q not in answers]
    if missing:
        return f"unanswered: {', '.join(missing)}"
    for qid, question in asked.items():
        value = answers[qid]
        if question.kind == "rating":
            if not isinstance(value, int) or isinstance(value, bool) or value not in RATING_RANGE:
                return f"{qid}: a rating is an integer 1-5"
        elif question.kind == "choice":
            if value not in question.options:
                return f"{qid}: one of {', '.join(question.options)}"
        elif not isinstance(value, str) or not value.strip() or len(value) > TEXT_LIMIT:
            return f"{qid}: text of 1-{TEXT_LIMIT} characters"
    return None
