"""The training provider's side of every step: what it asks Prakerja, and what it records.

A careful LP integration (each mutant changes exactly one thing, named in ``kinds.py``):

- **enrol**: ``redeem-code/status`` first (is it one of our courses, not voided, not already
  redeemed?), then ``oauth/url-generate`` for stage 1 with its own registered callback and the
  participant's e-mail; the pre-test is taken at enrolment;
- **callback** (Prakerja's page sends the browser back): the query's ``status=success`` is a
  claim, not proof: ``redeem-code/status`` for that sequence decides whether the stage is
  attended;
- **attend**: a link for the stage that is next, never a later one;
- **assignment**: ``tpm/submission`` of the work, then the LP's ``tpm/feedback/submission``
  once the submission is recorded, with the scope that fits the sequence;
- **post-test**: only when every session and assignment is done; a link for stage 999; when the
  callback confirms it, the scores and (above 60) the certificate are reported to the sandbox
  (``/api/v1/catalogue/results``), once.

Refusals become buyer-facing failures; nothing refused is sent again unchanged.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from contract import buyer
from contract import endpoints as ep
from contract import errors as err
from contract.assignments import Scope
from contract.attendance import POST_TEST_SEQUENCE, REDEEM_SEQUENCE, AttendanceStatus, RedeemStatus
from contract.buyer import BuyerReason, Failure
from simulators.buyer_api import BuyerError, conflict, failure, mask_email, not_found
from simulators.outbound import Answer, Caller, Calls, Kind
from simulators.provider import learning, scores
from simulators.provider.courses import CourseInfo, base_code
from simulators.provider.learning import Enrolment, Link, Work

CALLBACK_PATH = "/callback"
WRONG_CALLBACK_PATH = "/oauth/callback"  # the mutant's: never registered

REFUSALS: dict[str, tuple[BuyerReason, str]] = {
    err.REDEEM_NOT_FOUND.code: (
        BuyerReason.NOT_OUR_CODE,
        "Kode redeem tidak dikenal untuk pelatihan di lembaga ini.",
    ),
    err.REDEEM_VOIDED.code: (
        BuyerReason.VOIDED,
        "Pembelian pelatihan ini sudah dibatalkan; kode redeem tidak berlaku.",
    ),
    err.EMAIL_USED.code: (
        BuyerReason.EMAIL_TAKEN,
        "Email ini sudah dipakai peserta lain untuk pelatihan yang sama. Gunakan email lain.",
    ),
    err.EMAIL_MISMATCH.code: (
        BuyerReason.EMAIL_MISMATCH,
        "Kode redeem ini terdaftar dengan email lain.",
    ),
    err.SEQUENCE_ORDER.code: (
        BuyerReason.VERIFY_FIRST,
        "Tahap sebelumnya belum diverifikasi.",
    ),
    err.NOT_REDEEMED.code: (
        BuyerReason.VERIFY_FIRST,
        "Kode redeem belum diverifikasi di Prakerja; selesaikan verifikasi sesi 1 dahulu.",
    ),
    err.TRAINING_NOT_FINISHED.code: (
        BuyerReason.NOT_READY,
        "Post-test belum diverifikasi; nilai belum dapat dilaporkan.",
    ),
}


@dataclass(frozen=True)
class Behaviour:
    """The one thing a mutant does differently (all False: the careful provider)."""

    skips_status_check: bool = False
    attendance_before_redeem: bool = False
    wrong_redirect_uri: bool = False
    trusts_callback: bool = False
    blind_retry_refused: bool = False
    feedback_before_submission: bool = False
    wrong_scope: bool = False
    certificate_before_post_test: bool = False
    reuses_email: bool = False


def now() -> datetime:
    """The provider's clock (UTC)."""
    return datetime.now(UTC)


def parse_time(text: str) -> datetime:
    """An ISO-8601 time from Prakerja (``Z`` or an offset)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class Classroom:
    """One provider's participants and the calls their steps make."""

    def __init__(
        self,
        *,
        client_code: str,
        name: str,
        caller: Caller,
        courses: dict[str, CourseInfo],
        seed: int,
        behaviour: Behaviour,
    ) -> None:
        self.client_code = client_code
        self.name = name
        self.caller = caller
        self.courses = courses
        self.seed = seed
        self.behaviour = behaviour
        self.enrolments: dict[str, Enrolment] = {}
        self.certificates: dict[str, str] = {}  # number -> redeem code
        self.first_email: dict[str, str] = {}  # course -> the first participant's e-mail
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    # --- helpers --------------------------------------------------------------------------------

    def redirect_uri(self, base_url: str) -> str:
        """The callback Prakerja's page sends the browser back to."""
        path = WRONG_CALLBACK_PATH if self.behaviour.wrong_redirect_uri else CALLBACK_PATH
        return base_url.rstrip("/") + path

    def view(self, enrolment: Enrolment) -> buyer.Enrolment:
        """The participant's view of an enrolment."""
        certificate = None
        if enrolment.certificate_number and enrolment.certificate_url and enrolment.issued_at:
            certificate = buyer.Certificate(
                number=enrolment.certificate_number,
                url=enrolment.certificate_url,
                issued_at=learning.iso(enrolment.issued_at),
            )
        return buyer.Enrolment(
            redeem_code=enrolment.redeem_code,
            course_code=enrolment.course.course_code,
            title=enrolment.course.title,
            method=enrolment.course.method,
            sessions=enrolment.course.sessions,
            email=mask_email(enrolment.email),
            pre_test=enrolment.pre_test,
            post_test=enrolment.post_test,
            stages=enrolment.stage_views(),
            assignments=enrolment.assignment_views(),
            next=enrolment.next_step(now()),
            certificate=certificate,
            reported=enrolment.reported,
            failure=enrolment.failure,
        )

    def get(self, redeem_code: str) -> Enrolment:
        """A known enrolment, or 404."""
        enrolment = self.enrolments.get(redeem_code)
        if enrolment is None:
            raise not_found("Peserta dengan kode redeem ini")
        return enrolment

    def lock(self, redeem_code: str) -> asyncio.Lock:
        """One step at a time per participant (steps await Prakerja)."""
        return self._locks[redeem_code]

    async def _send(
        self, calls: Calls, endpoint: ep.Endpoint, body: dict[str, object], kind: Kind
    ) -> Answer:
        answer = await calls.post(endpoint, body, kind=kind)
        if self.behaviour.blind_retry_refused and answer.code is not None and not answer.ok:
            answer = await calls.post(endpoint, body, kind=kind)  # the mutant: once more, unchanged
        return answer

    async def _status(self, calls: Calls, redeem_code: str, sequence: int) -> Answer:
        body = {"redeem_code": redeem_code, "sequence": sequence}
        return await calls.post(ep.REDEEM_STATUS, body, kind=Kind.READ)

    async def _ask_link(
        self, calls: Calls, redeem_code: str, email: str, sequence: int, base_url: str
    ) -> Answer:
        body = {
            "redeem_code": redeem_code,
            "redirect_uri": self.redirect_uri(base_url),
            "email": email,
            "sequence": sequence,
        }
        return await self._send(calls, ep.URL_GENERATE, body, Kind.WRITE)

    def _keep_link(self, enrolment: Enrolment, sequence: int, answer: Answer) -> Failure | None:
        """Record the link Prakerja issued for a stage; the failure if it refused."""
        if answer.code == err.ALREADY_VERIFIED.code:  # verified meanwhile: no link needed
            enrolment.verified.setdefault(sequence, now())
            return None
        if not answer.ok:
            return failure(answer, REFUSALS, BuyerReason.VERIFICATION_FAILED)
        enrolment.asked = max(enrolment.asked, sequence)
        enrolment.links[sequence] = Link(
            url=str(answer.data["url"]), expires_at=parse_time(str(answer.data["expired_at"]))
        )
        return None

    async def _link(
        self, calls: Calls, enrolment: Enrolment, sequence: int, base_url: str
    ) -> Failure | None:
        """Ask Prakerja for the stage's verification URL; the failure if it refused."""
        answer = await self._ask_link(
            calls, enrolment.redeem_code, enrolment.email, sequence, base_url
        )
        return self._keep_link(enrolment, sequence, answer)

    # --- enrol ----------------------------------------------------------------------------------

    def _email_for(self, course_code: str, email: str) -> str:
        if not self.behaviour.reuses_email:
            return email
        return self.first_email.setdefault(course_code, email)  # the mutant: the first one's

    async def enrol(
        self, calls: Calls, request: buyer.EnrolRequest, base_url: str
    ) -> buyer.Enrolment:
        """Redeem a code for a participant: status, then the stage-1 verification link."""
        code = request.redeem_code
        async with self.lock(code):
            known = self.enrolments.get(code)
            if known is not None:
                if known.email != self._email_for(known.course.course_code, request.email):
                    reason, message = REFUSALS[err.EMAIL_MISMATCH.code]
                    raise BuyerError(409, reason, message)
                return await self._continue(calls, known, base_url)
            early = None
            if self.behaviour.skips_status_check:  # the mutant: redeems before it looks
                early = await self._ask_link(calls, code, request.email, REDEEM_SEQUENCE, base_url)
            course, verified = await self._check_code(calls, code)
            # Keyed by who takes which course, not by the redeem code (random per purchase): the
            # same person on the same course scores the same in every run of a seeded wave.
            pre, post = scores.scores(self.seed, f"{request.email.lower()}:{course.course_code}")
            enrolment = Enrolment(
                redeem_code=code,
                course=course,
                email=self._email_for(course.course_code, request.email),
                pre_test=pre,
                planned_post_test=post,
            )
            if verified:
                enrolment.verified[REDEEM_SEQUENCE] = now()  # redeemed before we last met
                problem = None
            elif early is not None:
                problem = self._keep_link(enrolment, REDEEM_SEQUENCE, early)
            else:
                problem = await self._link(calls, enrolment, REDEEM_SEQUENCE, base_url)
            if problem is not None:
                raise BuyerError.of(problem)
            self.enrolments[code] = enrolment
            return self.view(enrolment)

    async def _check_code(self, calls: Calls, redeem_code: str) -> tuple[CourseInfo, bool]:
        """The course of a code that may be redeemed here, and whether stage 1 is verified."""
        answer = await self._status(calls, redeem_code, REDEEM_SEQUENCE)
        if not answer.ok:
            problem = failure(answer, REFUSALS, BuyerReason.NOT_OUR_CODE)
            raise BuyerError.of(problem, 404 if problem.reason is BuyerReason.NOT_OUR_CODE else 409)
        data = answer.data
        listed = str(data["course_code"])
        taught = self.courses.get(base_code(listed))
        if taught is None:
            raise BuyerError(
                404, BuyerReason.NOT_OUR_CODE, "Pelatihan kode ini tidak diajarkan di lembaga ini."
            )
        if data["status"] == RedeemStatus.VOIDED:
            reason, message = REFUSALS[err.REDEEM_VOIDED.code]
            raise BuyerError(409, reason, message)
        if data["status"] == RedeemStatus.COMPLETED:
            raise conflict("Pelatihan ini sudah selesai untuk kode redeem ini.")
        course = replace(taught, course_code=listed)  # as bought: the platform's listing
        return course, data["attendance_status"] == AttendanceStatus.VERIFIED

    async def _continue(self, calls: Calls, enrolment: Enrolment, base_url: str) -> buyer.Enrolment:
        """A participant back at enrolment: a fresh link for stage 1 if it is still pending."""
        await self._reconcile(calls, enrolment, base_url)
        if enrolment.pending_stage() == REDEEM_SEQUENCE:
            enrolment.failure = await self._link(calls, enrolment, REDEEM_SEQUENCE, base_url)
        return self.view(enrolment)

    # --- the way back from Prakerja's page ------------------------------------------------------

    async def callback(
        self, calls: Calls, redeem_code: str, sequence: int, status: str, base_url: str
    ) -> buyer.Enrolment:
        """Prakerja's page sent the participant back: confirm the stage with redeem-code/status."""
        async with self.lock(redeem_code):
            enrolment = self.get(redeem_code)
            enrolment.links.pop(sequence, None)  # a link is used once
            if status != "success":
                enrolment.failure = Failure(
                    reason=BuyerReason.VERIFICATION_FAILED,
                    message="Verifikasi dibatalkan atau ditolak. Silakan ulangi tahap ini.",
                    prakerja_code=None,
                )
                return self.view(enrolment)
            if self.behaviour.trusts_callback:  # the mutant: the query string is proof enough
                enrolment.verified.setdefault(sequence, now())
                enrolment.failure = None
            else:
                answer = await self._status(calls, redeem_code, sequence)
                if not answer.ok:
                    enrolment.failure = failure(answer, REFUSALS, BuyerReason.VERIFICATION_FAILED)
                    return self.view(enrolment)
                if answer.data["attendance_status"] == AttendanceStatus.VERIFIED:
                    enrolment.verified.setdefault(sequence, now())
                    enrolment.failure = None
                else:
                    enrolment.failure = Failure(
                        reason=BuyerReason.VERIFICATION_FAILED,
                        message="Prakerja belum mencatat verifikasi tahap ini.",
                        prakerja_code=None,
                    )
            if sequence == POST_TEST_SEQUENCE and sequence in enrolment.verified:
                await self._report(calls, enrolment, base_url)
            return self.view(enrolment)

    # --- sessions -------------------------------------------------------------------------------

    async def _reconcile(self, calls: Calls, enrolment: Enrolment, base_url: str) -> None:
        """The participant was sent to Prakerja's page and never came back (a lost callback, a
        closed tab): ask redeem-code/status whether the stage was verified there."""
        pending = enrolment.pending_stage()
        if pending is None or pending not in enrolment.links:
            return
        answer = await self._status(calls, enrolment.redeem_code, pending)
        if answer.ok and answer.data["attendance_status"] == AttendanceStatus.VERIFIED:
            enrolment.links.pop(pending, None)
            enrolment.verified.setdefault(pending, now())
            enrolment.failure = None
            if pending == POST_TEST_SEQUENCE:
                await self._report(calls, enrolment, base_url)

    async def attend(self, calls: Calls, redeem_code: str, base_url: str) -> buyer.Enrolment:
        """A fresh verification link for the next session (the one before may have been used
        without its callback arriving: Prakerja is asked first)."""
        async with self.lock(redeem_code):
            enrolment = self.get(redeem_code)
            if self.behaviour.attendance_before_redeem:
                # the mutant: the stage after the last one asked, verified or not
                sequence = _after(enrolment, enrolment.asked)
            else:
                await self._reconcile(calls, enrolment, base_url)
                pending = enrolment.pending_stage()
                if pending is None or pending == POST_TEST_SEQUENCE:
                    return self.view(enrolment)  # nothing to attend: .next says what is
                sequence = pending
            enrolment.failure = await self._link(calls, enrolment, sequence, base_url)
            return self.view(enrolment)

    # --- assignments ----------------------------------------------------------------------------

    async def submit(
        self, calls: Calls, redeem_code: str, url_file: str | None, base_url: str
    ) -> buyer.Enrolment:
        """Send the due assignment, then the provider's feedback on it."""
        async with self.lock(redeem_code):
            enrolment = self.get(redeem_code)
            due = enrolment.due_assignment()
            if due is None:
                raise BuyerError(
                    409, BuyerReason.NOTHING_DUE, "Tidak ada tugas yang perlu dikirim."
                )
            scope, sequence = due
            file = url_file or f"{base_url.rstrip('/')}/files/{redeem_code}/{scope}-{sequence}.md"
            sent_scope = Scope.TPM if self.behaviour.wrong_scope else scope
            key = {"redeem_code": redeem_code, "scope": sent_scope.value, "sequence": sequence}
            grade = scores.scores(self.seed, f"{redeem_code}:{scope}:{sequence}")[1]
            notes = learning.feedback_notes(scope, sequence, grade)
            if self.behaviour.feedback_before_submission:  # the mutant: reviews before it has it
                await self._send(calls, ep.TPM_FEEDBACK, {**key, "notes": notes}, Kind.WRITE)
            answer = await self._send(
                calls, ep.TPM_SUBMISSION, {**key, "url_file": file}, Kind.WRITE
            )
            if not answer.ok:
                enrolment.failure = failure(answer, REFUSALS, BuyerReason.CONFLICT)
                return self.view(enrolment)
            work = enrolment.work[(scope, sequence)] = Work(url_file=file)
            enrolment.failure = None
            if self.behaviour.feedback_before_submission:
                return self.view(enrolment)
            answer = await self._send(calls, ep.TPM_FEEDBACK, {**key, "notes": notes}, Kind.WRITE)
            if answer.ok or answer.code == err.FEEDBACK_EXISTS.code:
                work.reviewed, work.feedback = True, notes
            else:
                enrolment.failure = failure(answer, REFUSALS, BuyerReason.CONFLICT)
            return self.view(enrolment)

    # --- post-test and results ------------------------------------------------------------------

    async def post_test(self, calls: Calls, redeem_code: str, base_url: str) -> buyer.Enrolment:
        """Score the post-test and ask for its verification link (stage 999)."""
        async with self.lock(redeem_code):
            enrolment = self.get(redeem_code)
            if POST_TEST_SEQUENCE in enrolment.verified:
                return self.view(enrolment)
            if not enrolment.ready_for_post_test():
                raise BuyerError(
                    409,
                    BuyerReason.NOT_READY,
                    "Selesaikan semua sesi dan tugas sebelum mengerjakan post-test.",
                )
            if enrolment.post_test is None:
                enrolment.post_test = enrolment.planned_post_test
            if self.behaviour.certificate_before_post_test:  # the mutant: reports before 999
                await self._report(calls, enrolment, base_url)
            await self._reconcile(calls, enrolment, base_url)
            if POST_TEST_SEQUENCE not in enrolment.verified:
                enrolment.failure = await self._link(calls, enrolment, POST_TEST_SEQUENCE, base_url)
            return self.view(enrolment)

    def _issue(self, enrolment: Enrolment, base_url: str) -> None:
        if enrolment.certificate_number is not None or enrolment.post_test is None:
            return
        if not scores.earns_certificate(enrolment.post_test):
            return
        number = f"{self.client_code}-{enrolment.redeem_code}"
        enrolment.certificate_number = number
        enrolment.certificate_url = f"{base_url.rstrip('/')}/certificates/{number}"
        enrolment.issued_at = now()
        self.certificates[number] = enrolment.redeem_code

    async def _report(self, calls: Calls, enrolment: Enrolment, base_url: str) -> None:
        """The scores and certificate to the sandbox, once."""
        if enrolment.reported or enrolment.post_test is None:
            return
        self._issue(enrolment, base_url)
        body: dict[str, object] = {
            "redeem_code": enrolment.redeem_code,
            "pre_test": enrolment.pre_test,
            "post_test": enrolment.post_test,
        }
        if enrolment.certificate_number and enrolment.certificate_url:
            body["certificate_number"] = enrolment.certificate_number
            body["certificate_url"] = enrolment.certificate_url
        answer = await self._send(calls, ep.REPORT_RESULT, body, Kind.WRITE)
        if answer.ok or answer.code == err.RESULT_EXISTS.code:
            enrolment.reported, enrolment.failure = True, None
        else:
            enrolment.failure = failure(answer, REFUSALS, BuyerReason.PARTNER_ERROR)

    async def refresh(self, calls: Calls, redeem_code: str, base_url: str) -> buyer.Enrolment:
        """The enrolment; a stage verified without its callback, and a report that could not be
        made earlier, are caught up."""
        async with self.lock(redeem_code):
            enrolment = self.get(redeem_code)
            await self._reconcile(calls, enrolment, base_url)
            if POST_TEST_SEQUENCE in enrolment.verified and not enrolment.reported:
                await self._report(calls, enrolment, base_url)
            return self.view(enrolment)

    def certificate(self, number: str) -> buyer.CertificateView:
        """A certificate this provider issued."""
        code = self.certificates.get(number)
        if code is None:
            raise not_found("Sertifikat")
        enrolment = self.enrolments[code]
        assert enrolment.certificate_url and enrolment.issued_at and enrolment.post_test is not None
        return buyer.CertificateView(
            number=number,
            url=enrolment.certificate_url,
            issued_at=learning.iso(enrolment.issued_at),
            redeem_code=code,
            course_code=enrolment.course.course_code,
            title=enrolment.course.title,
            provider=buyer.PartnerRef(client_code=self.client_code, name=self.name),
            post_test=enrolment.post_test,
            verified=enrolment.reported,
        )


def _after(enrolment: Enrolment, sequence: int) -> int:
    """The stage after ``sequence`` (the first stage when none was asked yet)."""
    order = learning.stages(enrolment.course)
    if sequence not in order:
        return order[0] if sequence == 0 else order[-1]
    index = order.index(sequence)
    return order[min(index + 1, len(order) - 1)]
