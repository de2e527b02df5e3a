"""The schedule of each scheme, the surveys as data and the rule for answers."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from reference_server.domain import incentives as rules
from reference_server.domain import surveys
from reference_server.domain.schemes import load_schemes, scheme

START = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


def test_semi_bansos_pays_four_months_and_normal_once_amounts_from_the_scheme() -> None:
    semi = rules.incentive_steps(scheme("semi_bansos"), START)
    assert [(s.step, s.amount) for s in semi] == [(n, 600_000) for n in (1, 2, 3, 4)]
    assert [s.due_at - START for s in semi] == [timedelta(days=30 * n) for n in range(4)]
    (once,) = rules.incentive_steps(scheme("normal"), START)
    assert (once.step, once.amount, once.due_at) == (1, 600_000, START)
    assert rules.survey_step(scheme("normal"), 2, START).amount == 50_000
    with pytest.raises(ValueError):
        rules.survey_step(scheme("normal"), 3, START)


def test_every_scheme_has_as_many_surveys_as_it_pays_for() -> None:
    for name, terms in load_schemes().items():
        found = surveys.surveys_of(name)
        assert len(found) == terms.survey_count
        assert [s.step for s in found] == list(range(1, terms.survey_count + 1))
        assert all(1 <= s.after_incentive <= terms.incentive_count for s in found)
    assert [s.after_incentive for s in surveys.surveys_of("semi_bansos")] == [1, 2, 4]


def _file(**changes: Any) -> str:
    data = {
        "semi_bansos": [
            {
                "code": f"S{n}",
                "title": "t",
                "after_incentive": 1,
                "questions": [{"id": "q", "text": "?", "kind": "rating"}],
            }
            for n in range(3)
        ],
        "normal": [
            {
                "code": f"N{n}",
                "title": "t",
                "after_incentive": 1,
                "questions": [{"id": "q", "text": "?", "kind": "text"}],
            }
            for n in range(2)
        ],
    }
    data.update(changes)
    return json.dumps(data)


@pytest.mark.parametrize(
    "changes",
    [
        {"normal": []},  # fewer surveys than the scheme pays for
        {
            "normal": [
                {
                    "code": "N0",
                    "title": "t",
                    "after_incentive": 2,
                    "questions": [{"id": "q", "text": "?", "kind": "text"}],
                }
            ]
            * 2
        },
        {
            "normal": [
                {
                    "code": "N0",
                    "title": "t",
                    "after_incentive": 1,
                    "questions": [{"id": "q", "text": "?", "kind": "choice"}],
                },
                {
                    "code": "N1",
                    "title": "t",
                    "after_incentive": 1,
                    "questions": [{"id": "q", "text": "?", "kind": "text"}],
                },
            ]
        },
        {"other": []},
    ],
)
def test_a_surveys_file_that_disagrees_with_the_schemes_is_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        surveys.parse_surveys(_file(**changes), load_schemes())


def test_answers_must_answer_every_question_in_its_form() -> None:
    survey = surveys.surveys_of("semi_bansos")[0]
    good: dict[str, Any] = {"manfaat": 5, "metode": "Webinar", "saran": "Lebih banyak praktik."}
    assert surveys.answers_problem(survey, good) is None
    for wrong in (
        {**good, "manfaat": 0},
        {**good, "manfaat": True},
        {**good, "metode": "Tatap muka"},
        {**good, "saran": "  "},
        {**good, "saran": "x" * 501},
        {k: v for k, v in good.items() if k != "saran"},
        {**good, "lain": 1},
    ):
        assert surveys.answers_problem(survey, wrong) is not None, wrong


def test_masks_keep_the_holder_recognisable_not_readable() -> None:
    assert rules.mask_account("081234567890") == "********7890"
    assert rules.mask_name("Siti  Rahayu") == "S*** R*****"
