"""Load shapes as data: steady, steps and the wave-opening spike, and the plan Locust is handed."""

from __future__ import annotations

import pytest

from loadtests.profiles import (
    PROFILES,
    Plan,
    Stage,
    Waits,
    profile_named,
    spike,
    stage_at,
    stages_from_json,
    steady,
    steps,
)


def test_the_spike_rises_to_its_peak_then_decays_towards_the_base() -> None:
    shape = spike(100, 60, base=10, rise=5, decay=10)
    users = [s.users for s in shape]
    assert len(shape) == 60 and shape[-1].until == 60
    assert users[4] == 100 == max(users)  # the peak at the end of the rise
    assert users[:5] == sorted(users[:5])  # a rise …
    assert users[4:] == sorted(users[4:], reverse=True)  # … then a decay only
    assert 10 <= users[-1] < 12  # close to the base after five time constants
    # Each second's spawn rate reaches its users within that second.
    for before, now in zip(shape, shape[1:], strict=False):
        assert now.spawn_rate >= abs(now.users - before.users)


def test_steps_and_steady() -> None:
    assert [s.users for s in steps(40, 20)] == [10, 20, 30, 40]
    assert [s.until for s in steps(40, 20)] == [5, 10, 15, 20]
    assert steady(7, 30) == [Stage(30, 7, 7.0)]
    with pytest.raises(ValueError):
        spike(10, 30, base=20)
    with pytest.raises(ValueError):
        steady(0, 30)


def test_stage_at_ends_the_run_after_the_last_stage() -> None:
    shape = steps(4, 8)
    assert stage_at(shape, 0).users == 1  # type: ignore[union-attr]
    assert stage_at(shape, 7.9).users == 4  # type: ignore[union-attr]
    assert stage_at(shape, 8.0) is None


def test_a_custom_shape_file_must_be_in_order() -> None:
    text = '[{"until": 5, "users": 3, "spawn_rate": 3}, {"until": 9, "users": 0, "spawn_rate": 3}]'
    assert stages_from_json(text) == [Stage(5, 3, 3), Stage(9, 0, 3)]
    with pytest.raises(ValueError):
        stages_from_json(
            '[{"until": 5, "users": 3, "spawn_rate": 3}, {"until": 5, "users": 1, "spawn_rate": 1}]'
        )
    with pytest.raises(ValueError):
        stages_from_json("[]")


def test_a_plan_survives_its_json_and_knows_its_bounds() -> None:
    profile = profile_named("wave-opening")
    plan = Plan(
        profile.name, {k.value: v for k, v in profile.mix.items()}, profile.stages(30, 20),
        Waits(pace=0.5), fail_ratio=0.1,
    )  # fmt: skip
    again = Plan.from_json(plan.to_json())
    assert again == plan
    assert again.duration == 20 and again.peak_users == 30
    assert again.waits.scaled((2.0, 4.0)) == (1.0, 2.0)
    with pytest.raises(ValueError, match="known"):
        profile_named("nope")
    assert {"wave-opening", "post-selection"} <= set(PROFILES)
