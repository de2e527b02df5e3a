"""Behaviour profiles of the government simulators: latency, outages, timeouts, X-Simulate."""

from __future__ import annotations

import math
import statistics
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from contract.government import DTKS_CHECK, DUKCAPIL_VERIFY, LIVENESS, SourceError
from simulators.framework.behaviour import Outcome, Profile
from simulators.government.launch import GovernmentUrls, running_government
from simulators.government.registry import Registry
from tests.simulators.government_rows import person

SITI = person()
VERIFY_BODY = {
    "nik": SITI["nik"],
    "kk": SITI["kk"],
    "name": SITI["name"],
    "birth_date": SITI["birth_date"],
}


def within(count: int, n: int, rate: float, sigmas: float = 4.0) -> bool:
    """``count`` of ``n`` is a plausible binomial draw at ``rate``."""
    return abs(count - n * rate) <= sigmas * math.sqrt(n * rate * (1 - rate)) + 1


# --- the profile as data --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"error_rate": -0.1},
        {"timeout_rate": 1.5},
        {"error_rate": 0.6, "timeout_rate": 0.5},
        {"latency_ms": -1.0},
        {"hang_seconds": float("inf")},
        {"latency_p99_ms": 100.0},  # p99 without a median
        {"latency_ms": 100.0, "latency_p99_ms": 50.0},
    ],
)
def test_a_profile_refuses_impossible_values(fields: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        Profile(**fields)  # type: ignore[arg-type]


def test_the_same_seed_draws_the_same_fates_and_sources_draw_apart() -> None:
    profile = Profile(error_rate=0.3, timeout_rate=0.1, seed=5)

    dice_a, dice_b, other = profile.dice("dukcapil"), profile.dice("dukcapil"), profile.dice("dtks")
    a = [dice_a.fate().outcome for _ in range(200)]
    b = [dice_b.fate().outcome for _ in range(200)]
    c = [other.fate().outcome for _ in range(200)]

    assert a == b
    assert a != c


def test_drawn_rates_follow_the_profile() -> None:
    dice = Profile(error_rate=0.3, timeout_rate=0.1, seed=1).dice("dukcapil")
    counts = Counter(dice.fate().outcome for _ in range(10_000))

    assert within(counts[Outcome.ERROR], 10_000, 0.3)
    assert within(counts[Outcome.TIMEOUT], 10_000, 0.1)


def test_latency_is_log_normal_with_the_given_median_and_p99() -> None:
    dice = Profile(latency_ms=20.0, latency_p99_ms=200.0, seed=3).dice("dtks")
    delays = sorted(dice.latency() for _ in range(20_000))

    assert statistics.median(delays) == pytest.approx(0.020, rel=0.05)
    assert delays[int(0.99 * len(delays))] == pytest.approx(0.200, rel=0.15)


def test_latency_without_a_p99_is_fixed() -> None:
    dice = Profile(latency_ms=15.0).dice("dtks")
    assert {dice.latency() for _ in range(10)} == {0.015}


# --- over HTTP ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def registry() -> Registry:
    """One person is enough: these tests are about behaviour, not answers."""
    return Registry.from_rows([SITI])


@pytest.fixture(scope="module")
def urls(registry: Registry) -> Iterator[GovernmentUrls]:
    """Dukcapil and DTKS answering at once; biometrics always failing (for `ok`)."""
    with running_government(
        registry,
        dukcapil=Profile(hang_seconds=0.3, slow_ms=200.0),
        biometrics=Profile(error_rate=1.0),
    ) as running:
        yield running


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    """One HTTP client for the module."""
    with httpx.Client(timeout=5.0) as client:
        yield client


def test_x_simulate_error_answers_503(http: httpx.Client, urls: GovernmentUrls) -> None:
    response = http.post(
        urls.dukcapil + DUKCAPIL_VERIFY, json=VERIFY_BODY, headers={"X-Simulate": "error"}
    )

    assert response.status_code == 503
    assert SourceError.model_validate(response.json()).error == "SOURCE_UNAVAILABLE"


def test_x_simulate_timeout_hangs_then_answers_504(
    http: httpx.Client, urls: GovernmentUrls
) -> None:
    started = time.monotonic()
    response = http.post(
        urls.dukcapil + DUKCAPIL_VERIFY, json=VERIFY_BODY, headers={"X-Simulate": "timeout"}
    )

    assert response.status_code == 504
    assert SourceError.model_validate(response.json()).error == "SOURCE_TIMEOUT"
    assert time.monotonic() - started >= 0.3


def test_x_simulate_slow_answers_late_but_answers(http: httpx.Client, urls: GovernmentUrls) -> None:
    started = time.monotonic()
    response = http.post(
        urls.dukcapil + DUKCAPIL_VERIFY, json=VERIFY_BODY, headers={"X-Simulate": "slow"}
    )

    assert response.status_code == 200
    assert response.json()["found"] is True
    assert time.monotonic() - started >= 0.2


def test_x_simulate_ok_answers_despite_a_failing_profile(
    http: httpx.Client, urls: GovernmentUrls
) -> None:
    body = {"selfie": SITI["selfie"]}
    failing = http.post(urls.biometrics + LIVENESS, json=body)
    forced = http.post(urls.biometrics + LIVENESS, json=body, headers={"X-Simulate": "ok"})

    assert failing.status_code == 503
    assert forced.status_code == 200
    assert forced.json()["live"] is True


@pytest.mark.parametrize("value", ["TIMEOUT", "crash", ""])
def test_an_unknown_x_simulate_value_is_a_400(
    http: httpx.Client, urls: GovernmentUrls, value: str
) -> None:
    response = http.post(urls.dtks + DTKS_CHECK, json={"nik": "1"}, headers={"X-Simulate": value})

    assert response.status_code == 400
    assert SourceError.model_validate(response.json()).error == "BAD_SIMULATE"


def test_health_ignores_the_profile(http: httpx.Client, urls: GovernmentUrls) -> None:
    response = http.get(urls.biometrics + "/health", headers={"X-Simulate": "timeout"})
    assert response.status_code == 200


def test_a_client_that_gives_up_frees_the_source(registry: Registry) -> None:
    """A hang lasts until the client disconnects, so the sources stop at once afterwards."""
    with running_government(registry, dtks=Profile(timeout_rate=1.0, hang_seconds=60.0)) as urls:
        with httpx.Client(timeout=0.2) as client, pytest.raises(httpx.ReadTimeout):
            client.post(urls.dtks + DTKS_CHECK, json={"nik": SITI["nik"]})
        started = time.monotonic()
    # Well under GRACEFUL_SECONDS, after which a shutdown would cut a hang off anyway.
    assert time.monotonic() - started < 0.8


def _statuses(url: str, body: dict[str, str], n: int, timeout: float) -> Counter[int | str]:
    """Status codes of ``n`` calls made 16 at a time (or "client timeout")."""
    local = threading.local()
    clients: list[httpx.Client] = []

    def one(_: int) -> int | str:
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = httpx.Client(timeout=timeout)
            clients.append(client)
        try:
            return client.post(url, json=body).status_code
        except httpx.TimeoutException:
            return "client timeout"

    try:
        with ThreadPoolExecutor(16) as pool:
            return Counter(pool.map(one, range(n)))
    finally:
        for client in clients:
            client.close()


def test_measured_rates_are_the_seeded_profiles(registry: Registry) -> None:
    """Over N concurrent calls the counts are exactly what the seed draws, whatever the order."""
    profile = Profile(error_rate=0.3, timeout_rate=0.1, hang_seconds=0.2, seed=42)
    n = 300
    with running_government(registry, dtks=profile) as urls:
        counts = _statuses(urls.dtks + DTKS_CHECK, {"nik": SITI["nik"]}, n, timeout=5.0)

    dice = profile.dice("dtks")
    drawn = Counter(dice.fate().outcome for _ in range(n))
    assert counts == {
        200: drawn[Outcome.ANSWER],
        503: drawn[Outcome.ERROR],
        504: drawn[Outcome.TIMEOUT],
    }
    assert within(counts[503], n, 0.3)
    assert within(counts[504], n, 0.1)


def test_timeouts_outlast_a_client_timeout(registry: Registry) -> None:
    """What the pipeline sees under a 10% timeout profile: its own timeouts, at about 10%."""
    profile = Profile(timeout_rate=0.1, hang_seconds=30.0, seed=7)
    n = 200
    with running_government(registry, dukcapil=profile) as urls:
        counts = _statuses(urls.dukcapil + DUKCAPIL_VERIFY, VERIFY_BODY, n, timeout=0.5)

    assert set(counts) <= {200, "client timeout"}
    assert within(counts["client timeout"], n, 0.1)
