"""Who submits after whom: the people the sandbox decides first-come between wait, in the seeded
order, for those before them; everyone else waits for nobody."""

from __future__ import annotations

from simulators.wave.precedence import levels


def _row(nik: str, kk: str, face: str, selfie: str | None = None) -> dict[str, str]:
    return {"nik": nik, "kk": kk, "face_id": face, "selfie_face": selfie or face}


def test_strangers_wait_for_nobody() -> None:
    rows = [_row("1", "k1", "f1"), _row("2", "k2", "f2"), _row("3", "k3", "f3")]
    assert levels(rows) == [([], 0), ([], 0), ([], 0)]


def test_a_copy_of_a_nik_and_a_twin_of_a_face_wait_for_their_original() -> None:
    rows = [
        _row("1", "k1", "f1"),
        _row("2", "k2", "f2"),
        _row("1", "k1", "f1"),  # the copy: same NIK, card and face
        _row("4", "k4", "f4", selfie="f2"),  # the twin: their selfie shows person 2's face
    ]
    assert levels(rows) == [([], 0), ([], 0), ([0], 1), ([1], 1)]


def test_the_third_of_a_family_card_waits_for_the_two_before_and_the_fourth_for_all() -> None:
    rows = [_row(str(i), "kk", f"f{i}") for i in range(4)]
    assert levels(rows) == [([], 0), ([], 0), ([0, 1], 1), ([0, 1, 2], 2)]


def test_levels_chain_across_kinds_of_sharing() -> None:
    rows = [
        _row("1", "k1", "f1"),
        _row("1", "k2", "f9"),  # NIK copy of 0
        _row("3", "k3", "f9"),  # shares a face with 1: after 1, so after 0's level too
    ]
    assert levels(rows) == [([], 0), ([0], 1), ([1], 2)]
