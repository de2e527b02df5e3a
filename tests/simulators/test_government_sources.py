"""Dukcapil, DTKS and biometrics simulators over real HTTP, answering from a population file."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from contract.government import (
    DTKS_CHECK,
    DUKCAPIL_VERIFY,
    FACE_MATCH,
    LIVENESS,
    DtksResponse,
    FaceMatchResponse,
    LivenessResponse,
    NikVerifyResponse,
    SourceError,
)
from contract.population import Case
from simulators.government.biometrics import face_template_id
from simulators.government.launch import GovernmentUrls, running_government
from tests.simulators.government_rows import person, write_population

SITI = person(
    name="Siti Nur  Aminah",
    sex="F",
    birth_date="1995-03-15",
    region_code="32.73.01",
    occupation="WIRASWASTA",
    dtks=True,
)
BUDI = person(name="Budi Santoso", sex="M", birth_date="1988-12-01", occupation="PETANI")
GHOST = person(name="Tidak Ada", case=Case.NIK_NOT_FOUND)
SITI_AGAIN = {**SITI, "selfie": "selfie-siti-second-account", "case": Case.DUPLICATE_NIK.value}
SPOOF = person(selfie_live=False)
IMPOSTOR = person(selfie_face="face-of-somebody-else")
# DUPLICATE_FACE: one face on the registry photos of two NIKs, each applying with a selfie of it.
TWIN_A = person(face_id="shared-face")
TWIN_B = person(face_id="shared-face", case=Case.DUPLICATE_FACE)
FACELESS = {**person(), "face_id": "", "selfie_face": ""}  # a picture with no face in it
PEOPLE = [SITI, BUDI, GHOST, SITI_AGAIN, SPOOF, IMPOSTOR, TWIN_A, TWIN_B, FACELESS]


@pytest.fixture(scope="module")
def urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GovernmentUrls]:
    """The three sources answering from PEOPLE written as a population file."""
    path = write_population(tmp_path_factory.mktemp("population") / "people.csv", PEOPLE)
    with running_government(path) as running:
        yield running


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    """One HTTP client for the module."""
    with httpx.Client(timeout=5.0) as client:
        yield client


def verify(http: httpx.Client, urls: GovernmentUrls, row: dict[str, str], **declared: str) -> Any:
    body = {
        "nik": row["nik"],
        "kk": row["kk"],
        "name": row["name"],
        "birth_date": row["birth_date"],
    }
    response = http.post(urls.dukcapil + DUKCAPIL_VERIFY, json={**body, **declared})
    assert response.status_code == 200, response.text
    return NikVerifyResponse.model_validate(response.json())


# --- Dukcapil -------------------------------------------------------------------------------------


def test_dukcapil_finds_a_registered_nik_and_returns_its_record(
    http: httpx.Client, urls: GovernmentUrls
) -> None:
    answer = verify(http, urls, SITI)

    assert answer.model_dump(mode="json") == {
        "found": True,
        "name_match": True,
        "birth_date_match": True,
        "kk_match": True,
        "sex": "F",
        "birth_date": "1995-03-15",
        "region_code": "32.73.01",
        "kk": SITI["kk"],
        "occupation": "WIRASWASTA",
    }


def test_dukcapil_names_match_ignoring_case_and_spacing(
    http: httpx.Client, urls: GovernmentUrls
) -> None:
    assert verify(http, urls, SITI, name="  SITI nur aminah ").name_match is True
    assert verify(http, urls, SITI, name="siti\tnur\n aminah").name_match is True
    assert verify(http, urls, SITI, name="Siti Nuraminah").name_match is False


@pytest.mark.parametrize(
    ("declared", "mismatched"),
    [
        ({"name": "Siti Rahayu"}, "name_match"),
        ({"birth_date": "1995-03-16"}, "birth_date_match"),
        ({"kk": "3273010000999999"}, "kk_match"),
    ],
)
def test_dukcapil_reports_each_mismatch_alone(
    http: httpx.Client, urls: GovernmentUrls, declared: dict[str, str], mismatched: str
) -> None:
    answer = verify(http, urls, SITI, **declared)

    assert answer.found is True
    matches = {key: getattr(answer, key) for key in ("name_match", "birth_date_match", "kk_match")}
    assert matches == {key: key != mismatched for key in matches}
    assert answer.kk == SITI["kk"]  # the registry's, not the declared one


def test_dukcapil_does_not_know_nik_not_found_people(
    http: httpx.Client, urls: GovernmentUrls
) -> None:
    answer = verify(http, urls, GHOST)

    assert answer.found is False
    assert all(value is None for key, value in answer.model_dump().items() if key != "found")


def test_dukcapil_answers_a_duplicate_nik_as_the_one_person(
    http: httpx.Client, urls: GovernmentUrls
) -> None:
    assert verify(http, urls, SITI_AGAIN) == verify(http, urls, SITI)


# --- DTKS -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nik", "recipient"),
    [(SITI["nik"], True), (BUDI["nik"], False), (GHOST["nik"], False), ("123", False)],
)
def test_dtks_lists_recipients(
    http: httpx.Client, urls: GovernmentUrls, nik: str, recipient: bool
) -> None:
    response = http.post(urls.dtks + DTKS_CHECK, json={"nik": nik})

    assert response.status_code == 200
    assert DtksResponse.model_validate(response.json()) == DtksResponse(
        nik=nik, recipient=recipient
    )


# --- biometrics -----------------------------------------------------------------------------------


def liveness(http: httpx.Client, urls: GovernmentUrls, selfie: str) -> LivenessResponse:
    response = http.post(urls.biometrics + LIVENESS, json={"selfie": selfie})
    assert response.status_code == 200, response.text
    return LivenessResponse.model_validate(response.json())


def face_match(
    http: httpx.Client, urls: GovernmentUrls, nik: str, selfie: str
) -> FaceMatchResponse:
    response = http.post(urls.biometrics + FACE_MATCH, json={"nik": nik, "selfie": selfie})
    assert response.status_code == 200, response.text
    return FaceMatchResponse.model_validate(response.json())


def test_liveness_passes_a_live_selfie_and_fails_a_spoof(
    http: httpx.Client, urls: GovernmentUrls
) -> None:
    live = liveness(http, urls, SITI["selfie"])
    spoof = liveness(http, urls, SPOOF["selfie"])

    assert live.live is True
    assert spoof.live is False
    assert spoof.score < 0.5 < live.score
    assert liveness(http, urls, SITI["selfie"]) == live  # stable


def test_liveness_of_an_unknown_selfie_fails_with_score_zero(
    http: httpx.Client, urls: GovernmentUrls
) -> None:
    assert liveness(http, urls, "never-taken") == LivenessResponse(live=False, score=0.0)


def test_face_match_matches_the_registry_photo(http: httpx.Client, urls: GovernmentUrls) -> None:
    answer = face_match(http, urls, BUDI["nik"], BUDI["selfie"])

    assert answer.match is True
    assert answer.score > 0.5
    assert answer.face_id == face_template_id(BUDI["face_id"])


def test_face_match_refuses_another_face_but_still_names_it(
    http: httpx.Client, urls: GovernmentUrls
) -> None:
    answer = face_match(http, urls, IMPOSTOR["nik"], IMPOSTOR["selfie"])

    assert answer.match is False
    assert answer.score < 0.5
    assert answer.face_id == face_template_id("face-of-somebody-else")


def test_one_face_behind_two_niks_gets_one_face_id(
    http: httpx.Client, urls: GovernmentUrls
) -> None:
    a = face_match(http, urls, TWIN_A["nik"], TWIN_A["selfie"])
    b = face_match(http, urls, TWIN_B["nik"], TWIN_B["selfie"])

    assert a.match and b.match
    assert a.face_id == b.face_id is not None
    assert a.face_id != face_match(http, urls, BUDI["nik"], BUDI["selfie"]).face_id


def test_face_match_without_a_registry_photo_or_a_known_selfie(
    http: httpx.Client, urls: GovernmentUrls
) -> None:
    ghost = face_match(http, urls, GHOST["nik"], GHOST["selfie"])
    unknown = face_match(http, urls, BUDI["nik"], "never-taken")

    assert (ghost.match, ghost.score, ghost.face_id) == (
        False,
        0.0,
        face_template_id(GHOST["selfie_face"]),
    )
    assert unknown == FaceMatchResponse(match=False, score=0.0, face_id=None)
    faceless = face_match(http, urls, FACELESS["nik"], FACELESS["selfie"])
    assert faceless == FaceMatchResponse(match=False, score=0.0, face_id=None)


def test_someone_elses_selfie_does_not_match_a_nik(
    http: httpx.Client, urls: GovernmentUrls
) -> None:
    assert face_match(http, urls, SITI["nik"], BUDI["selfie"]).match is False


# --- health and bad input -------------------------------------------------------------------------


def test_each_source_has_health(http: httpx.Client, urls: GovernmentUrls) -> None:
    for name in ("dukcapil", "dtks", "biometrics"):
        response = http.get(getattr(urls, name) + "/health")
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "simulator": name, "instance": name}


GOOD_BODIES = {
    "dukcapil": (
        DUKCAPIL_VERIFY,
        {"nik": SITI["nik"], "kk": SITI["kk"], "name": "Siti", "birth_date": "1995-03-15"},
    ),
    "dtks": (DTKS_CHECK, {"nik": SITI["nik"]}),
    "biometrics": (FACE_MATCH, {"nik": SITI["nik"], "selfie": SITI["selfie"]}),
}
BAD_BODIES: list[tuple[str, Any]] = [
    ("missing field", lambda good: dict(list(good.items())[1:])),
    ("extra field", lambda good: {**good, "surprise": 1}),
    ("wrong type", lambda good: {**good, "nik": 3273015503950001}),
    ("null", lambda good: {**good, "nik": None}),
    ("a list", lambda good: [good]),
    ("a string", lambda good: "nik"),
    ("empty object", lambda good: {}),
]


@pytest.mark.parametrize("source", sorted(GOOD_BODIES))
@pytest.mark.parametrize(("case", "spoil"), BAD_BODIES, ids=[case for case, _ in BAD_BODIES])
def test_a_bad_body_is_a_400_in_the_source_error_shape(
    http: httpx.Client, urls: GovernmentUrls, source: str, case: str, spoil: Any
) -> None:
    path, good = GOOD_BODIES[source]
    response = http.post(getattr(urls, source) + path, json=spoil(good))

    assert response.status_code == 400, response.text
    error = SourceError.model_validate(response.json())
    assert error.error == "INVALID_REQUEST"
    assert SITI["nik"] not in response.text  # the value sent is never echoed


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"", b"\xff\xfe", b'{"nik": "1"', b"null"],
)
def test_a_malformed_body_is_a_400(
    http: httpx.Client, urls: GovernmentUrls, content: bytes
) -> None:
    response = http.post(
        urls.dtks + DTKS_CHECK, content=content, headers={"content-type": "application/json"}
    )

    assert response.status_code == 400, response.text
    SourceError.model_validate(response.json())


def test_a_bad_birth_date_is_a_400(http: httpx.Client, urls: GovernmentUrls) -> None:
    _, good = GOOD_BODIES["dukcapil"]
    response = http.post(urls.dukcapil + DUKCAPIL_VERIFY, json={**good, "birth_date": "15-03-1995"})

    assert response.status_code == 400
    assert "birth_date" in SourceError.model_validate(response.json()).message


@pytest.mark.parametrize(
    ("method", "path", "status"), [("GET", LIVENESS, 405), ("POST", "/x", 404)]
)
def test_unknown_routes_answer_in_the_source_error_shape(
    http: httpx.Client, urls: GovernmentUrls, method: str, path: str, status: int
) -> None:
    response = http.request(method, urls.biometrics + path)

    assert response.status_code == status
    SourceError.model_validate(response.json())
