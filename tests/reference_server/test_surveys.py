"""Evaluation surveys: as many as the scheme says, each opening once the incentive it follows is
paid, answered once and paid once (the scheme's survey amount, to the linked account)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from reference_server.runtime import Runtime
from reference_server.services.payouts import run_due
from reference_server.storage import tables as t
from tests.factories import assert_api_error, success_data
from tests.reference_server.payouts_support import (
    Holder,
    Sim,
    card_holder,
    linked,
    owe,
    running_partners,
    wait_for,
)


@pytest.fixture(scope="module")
def sim(runtime: Runtime, server_url: str) -> Iterator[Sim]:
    with running_partners(runtime, server_url, ("linkaja",)) as sims:
        yield sims["linkaja"]


@pytest.fixture
def holder(runtime: Runtime, server_url: str) -> Iterator[Holder]:
    with httpx.Client(base_url=server_url) as http:
        yield card_holder(runtime, http)


def surveys(holder: Holder) -> list[dict[str, Any]]:
    return list(success_data(holder.applicant.get("/surveys"))["surveys"])


def answer(holder: Holder, code: str, answers: dict[str, Any]) -> httpx.Response:
    return holder.applicant.post("/surveys/answer", {"survey_code": code, "answers": answers})


def good_answers(survey: dict[str, Any]) -> dict[str, Any]:
    return {
        q["question_id"]: q["options"][-1]
        if q["kind"] == "choice"
        else 4
        if q["kind"] == "rating"
        else "Cukup baik"
        for q in survey["questions"]
    }


def paid_steps(runtime: Runtime, holder: Holder, kind: str) -> int:
    with runtime.sessions() as session:
        return len(
            session.scalars(
                select(t.IncentiveStep.id).where(
                    t.IncentiveStep.card_id == holder.card_id,
                    t.IncentiveStep.kind == kind,
                    t.IncentiveStep.status == "paid",
                )
            ).all()
        )


def test_a_survey_is_answered_once_and_paid_once(
    runtime: Runtime, sim: Sim, holder: Holder
) -> None:
    number = linked(sim, holder)
    listed = surveys(holder)
    assert [s["survey_code"] for s in listed] == ["NM-EVAL-1", "NM-EVAL-2"]
    assert {s["status"] for s in listed} == {"locked"} and listed[0]["amount"] == 50_000
    first = listed[0]
    assert_api_error(answer(holder, first["survey_code"], good_answers(first)), "ERRINC40902", 409)

    owe(runtime, holder)
    run_due(runtime)
    wait_for(lambda: paid_steps(runtime, holder, "incentive") == 1, what="incentive 1")
    assert surveys(holder)[0]["status"] == "open"

    good = good_answers(first)
    (rating,) = [q["question_id"] for q in first["questions"] if q["kind"] == "rating"]
    for wrong in (
        {k: v for k, v in good.items() if k != rating},  # one unanswered
        {**good, rating: 6},
        {**good, rating: "5"},
        {**good, "extra": 1},
    ):
        assert_api_error(answer(holder, first["survey_code"], wrong), "ERRINC40009")
    assert_api_error(answer(holder, "NOPE", good), "ERRINC40402", 404)

    done = success_data(answer(holder, first["survey_code"], good))
    assert done["payment"]["kind"] == "survey" and done["payment"]["amount"] == 50_000
    wait_for(lambda: paid_steps(runtime, holder, "survey") == 1, what="the survey's payment")
    assert_api_error(answer(holder, first["survey_code"], good), "ERRINC40903", 409)
    view = surveys(holder)
    assert view[0]["status"] == "answered" and view[0]["payment"] == "paid"
    assert sim.balance(number) == 600_000 + 50_000
    board = success_data(holder.applicant.get("/dashboard"))
    assert [i["status"] for i in board["incentives"]] == ["paid", "paid", "waiting"]


def test_semi_bansos_surveys_open_after_their_own_incentive(
    runtime: Runtime, server_url: str
) -> None:
    with httpx.Client(base_url=server_url) as http:
        holder = card_holder(runtime, http, scheme="semi_bansos")
        listed = surveys(holder)
    assert [s["survey_code"] for s in listed] == ["SB-EVAL-1", "SB-EVAL-2", "SB-EVAL-3"]
    assert [s["opens_after"].split("insentif ")[1].split(" ")[0] for s in listed] == [
        "ke-1",
        "ke-2",
        "ke-4",
    ]
