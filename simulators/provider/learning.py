"""One participant's way through a course at the provider, as rules with no I/O.

Stages follow the programme (decisions.md, *Redeem codes and attendance*): stage 1 is the redeem,
stages 2..n the further webinar sessions, 999 the post-test, each verified on Prakerja's page in
order. The provider adds its own teaching on top: a practice task (TPM) after every session,
whose sequence is the session's, and the skills demonstration (UK, sequence 999) once every
session is attended and every TPM reviewed; the post-test once the UK is reviewed too. A
certificate goes with a verified post-test above 60.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from contract.assignments import UK_SEQUENCE, Scope
from contract.attendance import POST_TEST_SEQUENCE, REDEEM_SEQUENCE
from contract.buyer import AssignmentView, Failure, NextStep, StageView
from simulators.provider.courses import CourseInfo


def stages(course: CourseInfo) -> tuple[int, ...]:
    """The course's stages in the order they are verified."""
    return (*range(REDEEM_SEQUENCE, course.sessions + 1), POST_TEST_SEQUENCE)


def stage_label(sequence: int) -> str:
    """How the stage is called to the participant."""
    if sequence == REDEEM_SEQUENCE:
        return "Redeem dan sesi 1"
    if sequence == POST_TEST_SEQUENCE:
        return "Post-test"
    return f"Sesi {sequence}"


def assignments(course: CourseInfo) -> tuple[tuple[Scope, int], ...]:
    """Every assignment of the course: a TPM per session, then the UK."""
    return (*((Scope.TPM, s) for s in range(1, course.sessions + 1)), (Scope.UK, UK_SEQUENCE))


@dataclass
class Link:
    """A verification URL Prakerja issued for one stage."""

    url: str
    expires_at: datetime

    def usable(self, now: datetime) -> bool:
        """Not expired yet (a used link is dropped when its callback arrives)."""
        return now < self.expires_at


@dataclass
class Work:
    """One assignment the participant sent."""

    url_file: str
    reviewed: bool = False
    feedback: str | None = None


@dataclass
class Enrolment:
    """What the provider keeps of one participant on one course."""

    redeem_code: str
    course: CourseInfo
    email: str
    pre_test: int
    planned_post_test: int  # what the participant will score when taking the post-test
    verified: dict[int, datetime] = field(default_factory=dict)
    links: dict[int, Link] = field(default_factory=dict)
    asked: int = 0  # the latest stage a link was asked for
    work: dict[tuple[Scope, int], Work] = field(default_factory=dict)
    post_test: int | None = None
    certificate_number: str | None = None
    certificate_url: str | None = None
    issued_at: datetime | None = None
    reported: bool = False
    failure: Failure | None = None

    # --- where the participant stands ----------------------------------------------------------

    def pending_stage(self) -> int | None:
        """The first stage not verified yet (None: all are)."""
        return next((s for s in stages(self.course) if s not in self.verified), None)

    def sessions_done(self) -> bool:
        """Every session stage (all but the post-test) is verified."""
        return all(s in self.verified for s in stages(self.course)[:-1])

    def reviewed(self, scope: Scope, sequence: int) -> bool:
        """The assignment was sent and reviewed."""
        done = self.work.get((scope, sequence))
        return done is not None and done.reviewed

    def due_assignment(self) -> tuple[Scope, int] | None:
        """The first assignment the participant may do now and has not had reviewed."""
        for scope, sequence in assignments(self.course):
            if self.reviewed(scope, sequence):
                continue
            if scope is Scope.TPM and sequence in self.verified:
                return scope, sequence
            tpms_reviewed = all(
                self.reviewed(Scope.TPM, s) for s in range(1, self.course.sessions + 1)
            )
            if scope is Scope.UK and self.sessions_done() and tpms_reviewed:
                return scope, sequence
        return None

    def ready_for_post_test(self) -> bool:
        """Every session attended and every assignment reviewed."""
        return self.sessions_done() and all(
            self.reviewed(s, q) for s, q in assignments(self.course)
        )

    def live_link(self, sequence: int, now: datetime) -> Link | None:
        """The stage's verification link if one is still usable."""
        link = self.links.get(sequence)
        return link if link is not None and link.usable(now) else None

    def next_step(self, now: datetime) -> NextStep:
        """What the participant does next."""
        pending = self.pending_stage()
        if pending is None:
            return NextStep(action="done")
        link = self.live_link(pending, now)
        if link is not None:
            return NextStep(
                action="verify",
                sequence=pending,
                verification_url=link.url,
                expires_at=iso(link.expires_at),
            )
        due = self.due_assignment()
        if due is not None:
            return NextStep(action="assignment", sequence=due[1])
        if pending == POST_TEST_SEQUENCE:
            return NextStep(action="post_test", sequence=pending)
        return NextStep(action="attend", sequence=pending)

    # --- views ----------------------------------------------------------------------------------

    def stage_views(self) -> list[StageView]:
        """Every stage and whether it is verified."""
        return [
            StageView(
                sequence=s,
                label=stage_label(s),
                verified=s in self.verified,
                verified_at=iso(self.verified[s]) if s in self.verified else None,
            )
            for s in stages(self.course)
        ]

    def assignment_views(self) -> list[AssignmentView]:
        """Every assignment and where it stands."""
        views = []
        for scope, sequence in assignments(self.course):
            done = self.work.get((scope, sequence))
            status = "due" if done is None else ("reviewed" if done.reviewed else "submitted")
            views.append(
                AssignmentView(
                    scope=scope.value,
                    sequence=sequence,
                    status=status,
                    feedback=None if done is None else done.feedback,
                )
            )
        return views


def iso(moment: datetime) -> str:
    """ISO-8601 UTC with a Z, seconds precision."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def feedback_notes(scope: Scope, sequence: int, score: int) -> str:
    """The provider's review of an assignment, as its assessor writes it."""
    what = "Unjuk keterampilan" if scope is Scope.UK else f"Tugas praktik mandiri sesi {sequence}"
    verdict = "sangat baik" if score >= 80 else ("baik" if score >= 60 else "perlu diperbaiki")
    return f"{what}: {verdict} (nilai {score}/100). Terima kasih, lanjutkan ke tahap berikutnya."
