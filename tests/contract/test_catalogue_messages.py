"""The catalogue's messages refuse what the server must never see: bad codes, loose money, half a
certificate, unknown fields."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from contract.catalogue import AssessRequest, ResultRequest, ReviewRequest, SubmitCourseRequest


def submission(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "lp_client_code": "lp-1",
        "course_code": "DP1-EXCEL-01",
        "title": "Excel untuk Administrasi",
        "description": "Mengolah data kantor dengan rumus dan tabel pivot.",
        "category": "administrasi_perkantoran",
        "method": "webinar",
        "sessions": 4,
        "duration_hours": 12,
        "price": 750_000,
        "min_age": 18,
        "min_education": "SMA",
        "schedules": [
            {
                "schedule_code": "DP1-EXCEL-01-B1",
                "start_at": "2031-01-05T09:00:00+07:00",
                "end_at": "2031-01-30T12:00:00+07:00",
                "capacity": 100,
            }
        ],
    }
    body.update(changes)
    return body


def test_a_valid_submission_parses() -> None:
    parsed = SubmitCourseRequest.model_validate(submission())
    assert parsed.price == 750_000 and parsed.schedules[0].capacity == 100


@pytest.mark.parametrize(
    "changes",
    [
        {"course_code": "has space"},
        {"course_code": "-leading-dash"},
        {"course_code": "x" * 65},
        {"price": 750_000.0},
        {"price": "750000"},
        {"price": 0},
        {"min_age": 17},
        {"sessions": 11},
        {"category": "astrology"},
        {"min_education": "TK"},
        {"schedules": []},
        {"title": "  "},
        {"description": "too short"},
        {"unknown": 1},
    ],
)
def test_a_bad_submission_is_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        SubmitCourseRequest.model_validate(submission(**changes))


def test_a_schedule_needs_a_zoned_time() -> None:
    naive = {**submission()["schedules"][0], "start_at": "2031-01-05T09:00:00"}
    with pytest.raises(ValidationError):
        SubmitCourseRequest.model_validate(submission(schedules=[naive]))


def test_a_certificate_is_a_number_and_a_url_or_neither() -> None:
    base = {"redeem_code": "RC1", "pre_test": 50, "post_test": 70}
    assert ResultRequest.model_validate(base).certificate_number is None
    whole = {
        **base,
        "certificate_number": "LPK/2031/0001",
        "certificate_url": "https://lp.test/c/1",
    }
    assert ResultRequest.model_validate(whole).certificate_url == "https://lp.test/c/1"
    for half in ({"certificate_number": "LPK/1"}, {"certificate_url": "https://lp.test/c/1"}):
        with pytest.raises(ValidationError):
            ResultRequest.model_validate({**base, **half})
    with pytest.raises(ValidationError):
        ResultRequest.model_validate({**base, "post_test": 101})


def test_scores_are_whole_stars_of_known_indicators() -> None:
    body = {"course_code": "C1", "kind": "entry", "scores": {"E01": 5}}
    assert AssessRequest.model_validate(body).scores == {"E01": 5}
    for scores in ({"E01": 6}, {"E01": 0}, {"E01": 4.5}, {"X01": 3}, {"E1": 3}):
        with pytest.raises(ValidationError):
            AssessRequest.model_validate({**body, "scores": scores})


def test_a_review_is_one_to_five_stars_and_some_words() -> None:
    ok = {"transaction_code": "TX1", "rating": 5, "review": "Materinya jelas dan berguna."}
    assert ReviewRequest.model_validate(ok).rating == 5
    for bad in ({"rating": 0}, {"rating": 6}, {"rating": True}, {"review": "bagus"}):
        with pytest.raises(ValidationError):
            ReviewRequest.model_validate({**ok, **bad})
