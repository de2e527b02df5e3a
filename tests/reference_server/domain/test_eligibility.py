"""The pure rules of the pipeline: Dukcapil's verdict, steps 6-8, the scheme, the stages."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from contract.government import NikVerifyResponse
from contract.population import OCCUPATION_STUDENT, OFFICIAL_OCCUPATIONS, Case
from contract.registration import Stage
from reference_server.domain import eligibility, stages
from reference_server.domain.eligibility import Facts
from reference_server.domain.schemes import load_schemes

SCHEMES = load_schemes()
SEMI, NORMAL = SCHEMES["semi_bansos"], SCHEMES["normal"]
TODAY = date(2024, 6, 1)


def facts(**changes: object) -> Facts:
    base: dict[str, object] = {
        "birth_date": date(1990, 1, 1),
        "registry_occupation": "WIRASWASTA",
        "employment_status": "UNEMPLOYED",
        "is_official": False,
        "dtks": False,
    }
    base.update(changes)
    return Facts(**base)  # type: ignore[arg-type]


def answer(**changes: object) -> NikVerifyResponse:
    base: dict[str, object] = {
        "found": True,
        "name_match": True,
        "birth_date_match": True,
        "kk_match": True,
        "sex": "M",
        "birth_date": date(1990, 1, 1),
        "region_code": "31.71.01",
        "kk": "3171010101230004",
        "occupation": "WIRASWASTA",
    }
    base.update(changes)
    return NikVerifyResponse.model_validate(base)


def test_dukcapil_reason() -> None:
    assert eligibility.dukcapil_reason(answer()) is None
    not_found = answer(found=False, name_match=None, birth_date_match=None, kk_match=None)
    assert eligibility.dukcapil_reason(not_found) is Case.NIK_NOT_FOUND
    for field in ("name_match", "birth_date_match", "kk_match"):
        assert eligibility.dukcapil_reason(answer(**{field: False})) is Case.DATA_MISMATCH


def test_eligible_under_both_schemes() -> None:
    assert eligibility.rules_reason(facts(), SEMI, TODAY) is None
    assert eligibility.rules_reason(facts(), NORMAL, TODAY) is None


def test_age_turns_on_the_birthday() -> None:
    seventeen = facts(birth_date=date(2006, 6, 2))
    eighteen = facts(birth_date=date(2006, 6, 1))
    assert eligibility.rules_reason(seventeen, NORMAL, TODAY) is Case.UNDERAGE
    assert eligibility.rules_reason(eighteen, NORMAL, TODAY) is None


def test_student_by_registry_or_declaration() -> None:
    assert (
        eligibility.rules_reason(facts(registry_occupation=OCCUPATION_STUDENT), NORMAL, TODAY)
        is Case.STUDENT
    )
    assert (
        eligibility.rules_reason(facts(employment_status="STUDENT"), NORMAL, TODAY) is Case.STUDENT
    )


@pytest.mark.parametrize("occupation", OFFICIAL_OCCUPATIONS)
def test_official_by_registry(occupation: str) -> None:
    assert (
        eligibility.rules_reason(facts(registry_occupation=occupation), NORMAL, TODAY)
        is Case.OFFICIAL
    )


def test_official_by_declaration() -> None:
    assert eligibility.rules_reason(facts(is_official=True), NORMAL, TODAY) is Case.OFFICIAL


def test_first_failing_rule_wins() -> None:
    everything = facts(
        birth_date=date(2010, 1, 1),
        registry_occupation=OCCUPATION_STUDENT,
        is_official=True,
        dtks=True,
    )
    assert eligibility.rules_reason(everything, SEMI, TODAY) is Case.UNDERAGE


def test_social_assistance_only_where_the_scheme_excludes_it() -> None:
    recipient = facts(dtks=True)
    assert eligibility.rules_reason(recipient, SEMI, TODAY) is Case.SOCIAL_ASSISTANCE
    assert eligibility.rules_reason(recipient, NORMAL, TODAY) is None


def test_dtks_is_asked_once_step_7_passes() -> None:
    assert eligibility.needs_dtks(facts(dtks=None), TODAY)
    assert not eligibility.needs_dtks(facts(dtks=False), TODAY)
    assert not eligibility.needs_dtks(facts(dtks=None, is_official=True), TODAY)


def test_history() -> None:
    assert eligibility.history_reason([]) is None
    assert eligibility.history_reason(["active"]) is Case.PAST_BENEFICIARY
    assert eligibility.history_reason(["active", "revoked"]) is Case.REVOKED


def test_scheme_for() -> None:
    assert eligibility.scheme_for("semi_bansos", "normal", SCHEMES, 2024) is SEMI
    assert eligibility.scheme_for(None, "semi_bansos", SCHEMES, 2024) is SEMI
    assert eligibility.scheme_for(None, None, SCHEMES, 2024) is NORMAL
    assert eligibility.scheme_for(None, None, SCHEMES, 2021) is SEMI
    assert eligibility.scheme_for("gone", None, SCHEMES, 2021) is SEMI
    with pytest.raises(LookupError):
        eligibility.scheme_for(None, None, SCHEMES, 2019)


def test_programme_day_is_jakartas() -> None:
    late_utc = datetime(2024, 5, 31, 18, 0, tzinfo=UTC)  # 01:00 on 1 June in Jakarta
    assert eligibility.programme_day(late_utc) == date(2024, 6, 1)


def test_every_reason_has_a_message() -> None:
    assert set(eligibility.REASON_MESSAGES) == {c for c in Case if c is not Case.ELIGIBLE}


def test_stages_move_only_forward() -> None:
    assert stages.move(Stage.VERIFYING, Stage.ELIGIBLE) is Stage.ELIGIBLE
    for illegal in [
        (Stage.REGISTERED, Stage.VERIFYING),
        (Stage.VERIFYING, Stage.JOINED),
        (Stage.INELIGIBLE, Stage.ELIGIBLE),
        (Stage.REVOKED, Stage.BENEFICIARY),
    ]:
        with pytest.raises(stages.IllegalTransition):
            stages.move(*illegal)
    assert set(stages.NEXT) == set(Stage)
