"""The job portals' feed over real HTTP: signed reads page by page, every refusal with its code,
X-Simulate on every portal, and each mutant wrong in exactly the one way its name says."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from contract import errors as err
from contract import simulate
from contract.client import compact, signed_headers
from contract.jobs import FEED_PATH
from reference_server.errors import error_body
from simulators.framework.behaviour import Profile
from simulators.framework.registry import kind
from simulators.framework.serving import running
from simulators.jobportal import kinds as jp
from simulators.jobportal.kinds import JOB_PORTAL
from simulators.jobportal.launch import portal_config
from simulators.jobportal.portals import PORTALS

CLIENT, KEY = "jp-feedtest", "rahasia-webhook-key"
STALE = 1_516_239_022
VACANCIES = 30
QUIET = Profile()  # the portals' own profiles are slow or failing by design; tests want neither
HTTP = httpx.Client(timeout=5.0)  # one pool for the module (a client per call costs ~0.1 s)


@pytest.fixture(scope="module")
def portals() -> Iterator[dict[str, str]]:
    """Every portal as itself, one whose profile always fails, and lokerkita as each mutant."""

    def config(instance: str = "lokerkita", **changes: Any) -> Any:
        given: dict[str, Any] = {"profile": QUIET, **changes}
        return portal_config(instance, client_code=CLIENT, webhook_key=KEY, seed=3, **given)

    apps = [(spec.instance, config(spec.instance)) for spec in PORTALS]
    apps.append(("failing", config(profile=Profile(error_rate=1.0, hang_seconds=0.3))))
    apps += [(m.name, config(mutant=m.name)) for m in jp.MUTANTS]
    apps.append(("stocked", config(initial=12)))
    with HTTP, running([(name, JOB_PORTAL.factory(c)) for name, c in apps]) as served:
        for name, url in served.items():
            if name == "stocked":
                continue
            answer = HTTP.post(f"{url}/_sim/publish", json={"new": VACANCIES})
            assert answer.status_code == 200, answer.text
        yield served


_USED: set[tuple[int, str, str]] = set()


def fresh_stamp(url: str, text: str) -> int:
    """Now, or the latest earlier second this exact call was not signed with: a portal accepts
    a signature once, and tests repeat calls within a second (as PartnerClient does)."""
    stamp = int(time.time())
    while (stamp, url, text) in _USED:
        stamp -= 1
    _USED.add((stamp, url, text))
    return stamp


def feed(
    url: str,
    body: Any = None,
    *,
    headers: dict[str, str] | None = None,
    timestamp: int | None = None,
    key: str = KEY,
    client: str = CLIENT,
) -> httpx.Response:
    """A feed call signed as Prakerja signs it (unless ``headers`` replace the signed ones)."""
    text = body if isinstance(body, str) else compact(body if body is not None else {})
    if headers is None:
        stamp = timestamp if timestamp is not None else fresh_stamp(url, text)
        headers = signed_headers(client, key, FEED_PATH, text, timestamp=stamp)
    return HTTP.post(url + FEED_PATH, content=text.encode(), headers=headers)


def read_all(url: str, limit: int, cursor: str | None = None) -> tuple[list[dict[str, Any]], str]:
    """Every page from ``cursor`` on; the vacancies in order and the last cursor."""
    seen: list[dict[str, Any]] = []
    for _ in range(100):
        answer = feed(url, {"cursor": cursor, "limit": limit})
        assert answer.status_code == 200, answer.text
        data = answer.json()["data"]
        seen += data["vacancies"]
        cursor = data["next_cursor"]
        if not data["has_more"]:
            return seen, data["next_cursor"]
    raise AssertionError("the feed never ended")


def refused(answer: httpx.Response, error: err.ErrorCode) -> bool:
    """The answer is this catalogued refusal, in the envelope."""
    body = answer.json()
    return (
        answer.status_code == error.http_status
        and body["code"] == error.code
        and not body["success"]
    )


def test_the_feed_pages_every_vacancy_once_then_the_changes(portals: dict[str, str]) -> None:
    url = portals["lokerkita"]
    everything, cursor = read_all(url, limit=7)
    ids = [v["vacancy_id"] for v in everything]
    assert len(ids) == VACANCIES == len(set(ids))
    assert all(v["status"] == "open" for v in everything)
    again, same = read_all(url, limit=7, cursor=cursor)
    assert (again, same) == ([], cursor)
    change = HTTP.post(f"{url}/_sim/publish", json={"new": 2, "updates": 3, "withdrawals": 2})
    done = change.json()
    changed, _ = read_all(url, limit=2, cursor=cursor)
    status = {v["vacancy_id"]: v["status"] for v in changed}
    assert status == {
        **dict.fromkeys(done["updated"], "open"),
        **dict.fromkeys(done["withdrawn"], "withdrawn"),
        **dict.fromkeys(done["new"], "open"),
    }
    assert len(changed) == 7


@pytest.mark.parametrize(
    ("mistake", "error"),
    [
        ("unsigned", err.MISSING_HEADERS),
        ("bad signature", err.BAD_SIGNATURE),
        ("stale timestamp", err.BAD_TIMESTAMP),
        ("unknown client", err.UNKNOWN_CLIENT),
        ("another key", err.BAD_SIGNATURE),
    ],
)
def test_a_call_not_signed_by_prakerja_is_refused_before_its_body(
    portals: dict[str, str], mistake: str, error: err.ErrorCode
) -> None:
    url = portals["lokerkita"]
    body = "{not json"  # the signature is checked first: the body never gets a look
    answer = {
        "unsigned": lambda: feed(url, body, headers={"Content-Type": "application/json"}),
        "bad signature": lambda: feed(
            url,
            body,
            headers={**signed_headers(CLIENT, KEY, FEED_PATH, body), "signature": "0" * 40},
        ),
        "stale timestamp": lambda: feed(url, body, timestamp=STALE),
        "unknown client": lambda: feed(url, body, client="jp-someone-else"),
        "another key": lambda: feed(url, body, key="not-the-webhook-key"),
    }[mistake]()
    assert refused(answer, error), answer.text
    assert answer.json()["message"].startswith(error_body(error)["message"])


def test_a_replayed_call_is_refused(portals: dict[str, str]) -> None:
    url = portals["lokerkita"]
    text = compact({"limit": 1})
    headers = signed_headers(CLIENT, KEY, FEED_PATH, text, timestamp=fresh_stamp(url, text))
    assert feed(url, text, headers=headers).status_code == 200
    assert refused(feed(url, text, headers=headers), err.REPLAYED)


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("{not json", err.BAD_REQUEST),
        ({"limit": 0}, err.BAD_REQUEST),
        ({"limit": 501}, err.BAD_REQUEST),
        ({"limit": "10"}, err.BAD_REQUEST),
        ({"limit": 10, "since": "kemarin"}, err.BAD_REQUEST),
        ({"cursor": "kemarin"}, err.JOB_CURSOR_INVALID),
        ({"cursor": "c999999"}, err.JOB_CURSOR_INVALID),  # never returned: ahead of the log
    ],
)
def test_bad_requests_get_their_code(
    portals: dict[str, str], body: Any, error: err.ErrorCode
) -> None:
    assert refused(feed(portals["lokerkita"], body), error)


@pytest.mark.parametrize("instance", [spec.instance for spec in PORTALS])
def test_every_portal_obeys_x_simulate(portals: dict[str, str], instance: str) -> None:
    url = portals[instance]

    def with_simulate(value: str) -> httpx.Response:
        text = compact({"limit": 1})
        signed = signed_headers(CLIENT, KEY, FEED_PATH, text, timestamp=fresh_stamp(url, text))
        headers = {**signed, simulate.SIMULATE_HEADER: value}
        return HTTP.post(url + FEED_PATH, content=text.encode(), headers=headers)

    assert with_simulate("error").status_code == 503
    assert with_simulate("502").status_code == 502
    assert with_simulate("ok").status_code == 200
    assert with_simulate("slow:10ms").status_code == 200
    assert with_simulate("no-such-directive").status_code == 400


def test_ok_overrides_a_failing_profile_and_timeout_hangs_then_504(
    portals: dict[str, str],
) -> None:
    url = portals["failing"]
    assert feed(url, {"limit": 1}).status_code == 503  # the profile: always down
    text = compact({"limit": 2})
    headers = {**signed_headers(CLIENT, KEY, FEED_PATH, text), simulate.SIMULATE_HEADER: "ok"}
    assert HTTP.post(url + FEED_PATH, content=text.encode(), headers=headers).status_code == 200
    text = compact({"limit": 3})
    headers = {**signed_headers(CLIENT, KEY, FEED_PATH, text), simulate.SIMULATE_HEADER: "timeout"}
    answer = HTTP.post(url + FEED_PATH, content=text.encode(), headers=headers)
    assert answer.status_code == 504  # held for the profile's hang_seconds (0.3 s), then 504


# --- each mutant is wrong in its one way, and only that way --------------------------------


def _unsigned(url: str) -> httpx.Response:
    return feed(url, {"limit": 1}, headers={"Content-Type": "application/json"})


def _bad_signature(url: str) -> httpx.Response:
    text = compact({"limit": 1})
    good = signed_headers(CLIENT, KEY, FEED_PATH, text)
    return feed(url, text, headers={**good, "signature": "f" * 40})


def _stale(url: str) -> httpx.Response:
    return feed(url, {"limit": 1}, timestamp=STALE)


def _replayed(url: str) -> httpx.Response:
    text = compact({"limit": 2})
    headers = signed_headers(CLIENT, KEY, FEED_PATH, text, timestamp=fresh_stamp(url, text))
    feed(url, text, headers=headers)
    return feed(url, text, headers=headers)


def _bad_body(url: str) -> httpx.Response:
    return feed(url, {"limit": 0})


def _bad_cursor(url: str) -> httpx.Response:
    return feed(url, {"cursor": "bukan-cursor", "limit": 1})


FAULTS = {  # mutant: (the call it gets wrong, what a correct portal answers, what it answers)
    jp.ACCEPTS_UNSIGNED: (_unsigned, 401, 200),
    jp.IGNORES_SIGNATURE: (_bad_signature, 401, 200),
    jp.IGNORES_TIMESTAMP: (_stale, 401, 200),
    jp.ACCEPTS_REPLAY: (_replayed, 401, 200),
    jp.CRASHES_ON_BAD_BODY: (_bad_body, 400, 500),
    jp.ACCEPTS_BAD_CURSOR: (_bad_cursor, 400, 200),
}
OTHER_CHECKS = (_unsigned, _bad_signature, _stale, _replayed, _bad_body, _bad_cursor)


@pytest.mark.parametrize("mutant", sorted(FAULTS))
def test_each_call_mutant_fails_its_check_and_passes_the_others(
    portals: dict[str, str], mutant: str
) -> None:
    call, right, wrong = FAULTS[mutant]
    assert call(portals["lokerkita"]).status_code == right
    assert call(portals[mutant]).status_code == wrong
    for other in OTHER_CHECKS:
        if other is not call:
            good = other(portals["lokerkita"]).status_code
            assert other(portals[mutant]).status_code == good, (mutant, other.__name__)


def test_the_cursor_mutant_repeats_the_last_vacancy_of_each_page(portals: dict[str, str]) -> None:
    pages: list[list[str]] = []
    cursor, more = None, True
    while more:
        data = feed(portals[jp.CURSOR_REPEATS_ITEMS], {"cursor": cursor, "limit": 5}).json()["data"]
        pages.append([v["vacancy_id"] for v in data["vacancies"]])
        cursor, more = data["next_cursor"], data["has_more"]
    assert len({v for page in pages for v in page}) == VACANCIES  # nothing skipped, but:
    assert len(pages) > 2
    assert all(page[0] == before[-1] for before, page in zip(pages, pages[1:], strict=False))
    correct, _ = read_all(portals["lokerkita"], limit=5)
    assert len(correct) == len({v["vacancy_id"] for v in correct}) >= VACANCIES


def test_the_salary_mutant_serves_inverted_ranges_only(portals: dict[str, str]) -> None:
    wrong, _ = read_all(portals[jp.SALARY_MIN_ABOVE_MAX], limit=50)
    assert wrong and all(v["salary_min"] > v["salary_max"] for v in wrong)
    right, _ = read_all(portals["lokerkita"], limit=50)
    assert all(v["salary_min"] <= v["salary_max"] for v in right)


def test_the_registry_lists_the_kind_and_every_mutant_with_its_requirement(
    portals: dict[str, str],
) -> None:
    listed = kind("job-portal").as_dict()
    assert listed["role"] == "jp"
    names = {m["name"] for m in listed["mutants"]}
    assert names == {m.name for m in jp.MUTANTS} and len(names) == 9
    assert all(m["requirement"] and m["requirement"].startswith("JP-") for m in listed["mutants"])
    info = HTTP.get(portals[jp.PUSHES_UNSIGNED] + "/_sim/info").json()
    assert (info["kind"], info["instance"], info["mutant"]["name"]) == (
        "job-portal",
        "lokerkita",
        jp.PUSHES_UNSIGNED,
    )
    with pytest.raises(KeyError, match="no mutant"):
        portal_config("lokerkita", mutant="pays-twice")
    with pytest.raises(KeyError, match="portals: lokerkita"):
        portal_config("jobstreet")


def test_a_portal_may_start_with_a_stock_of_vacancies(portals: dict[str, str]) -> None:
    deadline = time.monotonic() + 10
    while HTTP.get(portals["stocked"] + "/_sim/portal").json()["vacancies"]["open"] < 12:
        assert time.monotonic() < deadline, "the stock was never published"
        time.sleep(0.05)
    everything, _ = read_all(portals["stocked"], limit=100)
    assert len(everything) == 12
