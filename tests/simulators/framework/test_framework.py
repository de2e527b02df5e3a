"""The simulator skeleton every simulator is built on, over real HTTP: X-Simulate, the profile,
the journal, background callbacks, mutants and the registry."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request

from contract import simulate
from contract.client import signed_headers
from simulators.framework.app import directives, sim, simulator_app
from simulators.framework.behaviour import Profile
from simulators.framework.registry import (
    Mutant,
    SimConfig,
    SimulatorKind,
    kind,
    kinds,
    register,
    registered,
)
from simulators.framework.serving import running

NIK = "3171015001900001"


def _echo_factory(config: SimConfig) -> FastAPI:
    app = simulator_app(ECHO, config)

    @app.post("/echo")
    async def echo(request: Request) -> dict[str, Any]:
        context = sim(request)
        asked = directives(request)
        body = await request.json()
        if simulate.DUPLICATE_CALLBACK in asked and "callback" in body:
            for _ in range(2):  # the directive's meaning, for this toy: call back twice
                context.spawn(context.http.post(body["callback"], json={"nik": body["nik"]}))
        return {
            "behaviour": [str(d) for d in asked.items],
            "mutant": context.mutant.name if context.mutant else None,
        }

    @app.get("/free")
    async def free() -> dict[str, str]:
        return {"subject": "no"}

    return app


ECHO = SimulatorKind(
    name="test-echo",
    role="test",
    summary="Echoes what it was asked to simulate.",
    factory=_echo_factory,
    directives=frozenset({simulate.DUPLICATE_CALLBACK}),
    mutants=(Mutant(name="echo-wrong", summary="Is wrong on purpose.", requirement="T-1"),),
)


@pytest.fixture(scope="module", autouse=True)
def echo_kind() -> Iterator[SimulatorKind]:
    """The test's kind, registered for this module only (others list every registered kind)."""
    with registered(ECHO) as kind:
        yield kind


@pytest.fixture(scope="module")
def urls(echo_kind: SimulatorKind) -> Iterator[dict[str, str]]:
    apps = [
        ("plain", ECHO.factory(SimConfig(instance="plain", profile=Profile(hang_seconds=5)))),
        ("failing", ECHO.factory(SimConfig(instance="failing", profile=Profile(error_rate=1.0)))),
        ("mutant", ECHO.factory(SimConfig(instance="mutant", mutant="echo-wrong"))),
    ]
    with running(apps) as served:
        yield served


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5.0) as client:
        yield client


def _post(http: httpx.Client, url: str, value: str | None, **body: Any) -> httpx.Response:
    headers = {} if value is None else {simulate.SIMULATE_HEADER: value}
    return http.post(url + "/echo", json=body or {"x": 1}, headers=headers)


@pytest.mark.parametrize(("value", "status"), [("500", 500), ("error", 503), ("599", 599)])
def test_a_5xx_directive_answers_that_status_in_the_error_shape(
    http: httpx.Client, urls: dict[str, str], value: str, status: int
) -> None:
    response = _post(http, urls["plain"], value)
    assert response.status_code == status
    assert response.json() == {
        "success": False,
        "code": "SIM_UNAVAILABLE",
        "message": "The simulator is unavailable; retry later.",
    }


def test_timeout_hangs_until_the_client_gives_up(urls: dict[str, str]) -> None:
    with httpx.Client(timeout=0.5) as client, pytest.raises(httpx.ReadTimeout):
        _post(client, urls["plain"], "timeout")


def test_slow_answers_no_earlier_than_asked(http: httpx.Client, urls: dict[str, str]) -> None:
    started = time.monotonic()
    response = _post(http, urls["plain"], "slow:300ms")
    assert response.status_code == 200 and time.monotonic() - started >= 0.3


def test_ok_answers_under_a_profile_that_always_fails(
    http: httpx.Client, urls: dict[str, str]
) -> None:
    assert _post(http, urls["failing"], None).status_code == 503
    assert _post(http, urls["failing"], "ok").status_code == 200


def test_behaviour_directives_reach_the_handler_and_unknown_ones_are_refused(
    http: httpx.Client, urls: dict[str, str]
) -> None:
    assert _post(http, urls["plain"], "duplicate-callback").json()["behaviour"] == [
        "duplicate-callback"
    ]
    refused = _post(http, urls["plain"], "late-callback")
    assert refused.status_code == 400 and refused.json()["code"] == "SIM_BAD_SIMULATE"
    assert "unknown directive" in refused.json()["message"]


def test_plumbing_and_non_posts_never_misbehave(http: httpx.Client, urls: dict[str, str]) -> None:
    assert http.get(urls["failing"] + "/health").status_code == 200
    assert http.get(urls["failing"] + "/free").status_code == 200


def test_the_journal_records_both_directions_redacted(
    http: httpx.Client, urls: dict[str, str]
) -> None:
    plain, other = urls["plain"], urls["mutant"]
    since = http.get(plain + "/_sim/journal").json()["last_seq"]
    body = '{"x":1}'
    headers = signed_headers("dp-1", "kunci", "/echo", body)
    http.post(plain + "/echo", content=body, headers=headers)
    answered = _post(
        http, plain, "duplicate-callback", nik=NIK, callback=other + "/echo", x=2
    ).status_code
    assert answered == 200

    def journal(url: str, **query: Any) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = http.get(url + "/_sim/journal", params=query).json()[
            "entries"
        ]
        return entries

    deadline = time.monotonic() + 5
    while len(journal(plain, since=since, direction="out")) < 2:
        assert time.monotonic() < deadline, "the callbacks were not made"
        time.sleep(0.02)
    received = journal(plain, since=since, direction="in")
    assert [e["status"] for e in received] == [200, 200]
    assert received[0]["request_headers"]["signature"] == "***"
    assert NIK not in str(received) and "317101******0001" in received[1]["request_body"]
    assert received[1]["simulate"] == "duplicate-callback"
    made = journal(plain, since=since, direction="out")
    assert {e["target"] for e in made} == {other + "/echo"} and {e["status"] for e in made} == {200}
    assert NIK not in str(made)
    assert http.delete(plain + "/_sim/journal").json() == {"cleared": True}
    assert journal(plain) == []


def test_info_names_the_mutant_and_unknown_mutants_are_refused(
    http: httpx.Client, urls: dict[str, str]
) -> None:
    info = http.get(urls["mutant"] + "/_sim/info").json()
    assert info["mutant"] == {"name": "echo-wrong", "summary": "Is wrong on purpose."}
    assert _post(http, urls["mutant"], None).json()["mutant"] == "echo-wrong"
    assert "duplicate-callback" in info["directives"]
    with pytest.raises(KeyError, match="echo-wrong"):
        ECHO.factory(SimConfig(instance="x", mutant="no-such"))


def test_the_registry_lists_kinds_and_refuses_a_second_kind_of_one_name() -> None:
    assert kind("test-echo") is ECHO
    assert [k.name for k in kinds("gov")] == ["biometrics", "dtks", "dukcapil"]
    assert [k.name for k in kinds("test")] == ["test-echo"]
    assert ECHO.as_dict()["mutants"] == [
        {"name": "echo-wrong", "summary": "Is wrong on purpose.", "requirement": "T-1"}
    ]
    with pytest.raises(ValueError, match="twice"):
        register(
            SimulatorKind(
                name="test-echo", role="test", summary="", factory=lambda c: _echo_factory(c)
            )
        )
    with pytest.raises(KeyError, match="no simulator"):
        kind("nothing-here")
