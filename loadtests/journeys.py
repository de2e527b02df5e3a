"""The Locust users: registrants of a wave opening, DP buyers, LP learners.

Every response is checked against the contract, not only its status: a 200 must be the success
envelope whose ``data`` validates as the endpoint's model in ``contract.endpoints``, and then
what the journey relies on (a token, an OTP in the inbox, the stage moving on). A check that
fails marks the request failed with what was received and ends that journey; the funnel
(``tally``) says how far each journey got. Users are ``FastHttpUser`` (geventhttpclient): the
load generator shares the machine's cores with the server, so its cost per request matters.
"""

from __future__ import annotations

import contextlib
import random
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

import gevent
from locust import FastHttpUser, task
from locust.exception import StopUser
from pydantic import BaseModel, ValidationError

from contract.attendance import AttendanceStatus, RedeemStatusData, UrlGenerateData
from contract.client import compact, signed_headers
from contract.endpoints import (
    AUTHORIZE,
    CREATE_ACCOUNT,
    DASHBOARD,
    JOIN_WAVE,
    MAIL_INBOX,
    PAYMENT_STATUS,
    PAYOUT_CALLBACK,
    QUOTA_SCHEDULE,
    REDEEM_RESET,
    REDEEM_STATUS,
    REGISTRATION_STATUS,
    SEND_OTP,
    SMS_INBOX,
    SUBMIT_IDENTITY,
    SUBMIT_SELFIE,
    URL_GENERATE,
    VERIFY_CONTACT,
    VOID,
    Endpoint,
)
from contract.payments import (
    AuthorizeData,
    PaymentStatus,
    PaymentStatusData,
    QuotaScheduleData,
    SendOtpData,
)
from contract.payouts import PayoutCallbackData
from contract.population import Case, identity_of
from contract.registration import (
    ContactData,
    DashboardData,
    JoinData,
    SessionData,
    Stage,
    StatusData,
)
from contract.sandbox import MailInboxData, SmsInboxData
from loadtests import runtime
from loadtests.data import Card, Disbursement, RedeemCode, Signer
from loadtests.stamps import Stamper

PASSWORD = "rahasia-beban-1"  # every registrant's; the accounts are synthetic
VERDICTS = (Stage.ELIGIBLE, Stage.INELIGIBLE)
# Reasons that depend on who of a group (shared face, family card) was verified first.
ORDER_DEPENDENT = (Case.DUPLICATE_FACE.value, Case.KK_LIMIT.value)
ModelT = TypeVar("ModelT", bound=BaseModel)


class JourneyStopped(Exception):
    """A check failed (already reported to Locust); the journey ends at ``step``."""

    def __init__(self, step: str) -> None:
        super().__init__(step)
        self.step = step


def label(endpoint: Endpoint) -> str:
    """The name a request is counted under: method and path without the API prefix."""
    return f"{endpoint.method} {endpoint.path.removeprefix('/api/v1/')}"


class Checked(FastHttpUser):
    """A user whose every call is checked against the contract."""

    abstract = True
    network_timeout = 30.0
    connection_timeout = 10.0

    def pause(self, pair: tuple[float, float]) -> None:
        """Wait as a person would, scaled by the run's pace."""
        low, high = runtime.context().plan.waits.scaled(pair)
        if high > 0:
            gevent.sleep(random.uniform(low, high))

    def after_failure(self) -> None:
        """A person whose attempt failed takes a moment before the next (never a hot loop)."""
        low, high = runtime.context().plan.waits.scaled(runtime.context().plan.waits.think)
        gevent.sleep(max(random.uniform(low, high), 1.0))

    def call(
        self,
        endpoint: Endpoint,
        model: type[ModelT],
        step: str,
        *,
        body: Any = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        data: str | None = None,
        expect: Callable[[ModelT], str | None] = lambda _: None,
    ) -> ModelT:
        """One request; its ``data`` as ``model`` when the envelope and ``expect`` agree.

        ``expect`` returns what is wrong with a valid answer (None when right). Anything else
        fails the request with what was received, and ends the journey at ``step``.
        """
        sent: dict[str, Any] = {"headers": headers or {}}
        if data is not None:
            sent["data"] = data
        elif body is not None:
            sent["json"] = body
        if params is not None:
            sent["params"] = params
        with self.client.request(
            endpoint.method, endpoint.path, name=label(endpoint), catch_response=True, **sent
        ) as response:
            problem, value = _judge(response, model, expect)
            if problem is None:
                response.success()
                assert value is not None
                return value
            response.failure(problem)
        runtime.context().tally.count(f"stopped at {step}")
        raise JourneyStopped(step)


def _judge(
    response: Any, model: type[ModelT], expect: Callable[[ModelT], str | None]
) -> tuple[str | None, ModelT | None]:
    status = response.status_code
    try:
        payload = response.json()
    except Exception:
        return f"{status}: not JSON: {str(response.text)[:120]!r}", None
    if not isinstance(payload, dict):
        return f"{status}: not an envelope", None
    if status != 200 or payload.get("success") is not True:
        return f"{status} {payload.get('code', '?')}: {str(payload.get('message', ''))[:80]}", None
    try:
        value = model.model_validate(payload.get("data", payload))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return f"200 but data is not {model.__name__}: {where}: {first['msg']}", None
    problem = expect(value)
    return (f"200 but {problem}", None) if problem else (None, value)


class Empty(BaseModel):
    """An answer whose data the journey does not read (the void's success envelope)."""


# --- the registrant funnel ---------------------------------------------------------------------


class Registrant(Checked):
    """One person after another registers at the wave opening, as a person on a phone would.

    Sign-up, the e-mail and SMS OTPs from the sandbox inboxes, identity, the liveness token,
    then the status page polled until the verdict; the eligible join the open wave and look at
    their status and dashboard. Each person is a population row nobody else registers.
    """

    @task
    def register(self) -> None:
        """Register the next person of the population."""
        context = runtime.context()
        person = context.people.take() if context.people else None
        if person is None:
            context.tally.count("population used up")
            raise StopUser()
        context.tally.count("started")
        with contextlib.suppress(JourneyStopped):
            self._journey(person)

    def _journey(self, person: dict[str, str]) -> None:
        context = runtime.context()
        tally, waits = context.tally, context.plan.waits
        started = time.monotonic()
        email, phone = person["email"], person["phone"]
        session = self.call(
            CREATE_ACCOUNT,
            SessionData,
            "sign-up",
            body={"email": email, "phone": phone, "password": PASSWORD},
            expect=lambda s: None if s.access_token else "no access token",
        )
        tally.count("account")
        auth = {"Authorization": f"Bearer {session.access_token}"}
        self.pause(waits.inbox)
        mail = self.call(
            MAIL_INBOX,
            MailInboxData,
            "e-mail OTP",
            params={"email": email},
            expect=lambda m: None if _otp(m.messages) else "no registration OTP in the mail inbox",
        )
        self.call(
            VERIFY_CONTACT,
            ContactData,
            "e-mail OTP",
            body={"channel": "email", "otp": _otp(mail.messages)},
            headers=auth,
            expect=lambda c: None if c.email_verified else "e-mail not verified",
        )
        tally.count("e-mail verified")
        sms = self.call(
            SMS_INBOX,
            SmsInboxData,
            "phone OTP",
            params={"phone_number": phone},
            expect=lambda m: None if _otp(m.messages) else "no registration OTP in the SMS inbox",
        )
        self.call(
            VERIFY_CONTACT,
            ContactData,
            "phone OTP",
            body={"channel": "phone", "otp": _otp(sms.messages)},
            headers=auth,
            expect=lambda c: None if c.phone_verified and c.email_verified else "not both verified",
        )
        tally.count("phone verified")
        self.pause(waits.think)
        self.call(
            SUBMIT_IDENTITY,
            StatusData,
            "identity",
            body=identity_of(person),
            headers=auth,
            expect=lambda s: None if s.identity_submitted else "identity not recorded",
        )
        tally.count("identity submitted")
        self.pause(waits.think)
        self.call(
            SUBMIT_SELFIE,
            StatusData,
            "selfie",
            body={"liveness_token": person["selfie"]},
            headers=auth,
            expect=lambda s: None if s.selfie_submitted else "selfie not recorded",
        )
        tally.count("selfie submitted")
        submitted = time.monotonic()
        status = self._verdict(auth, submitted)
        tally.time("selfie to verdict", time.monotonic() - submitted)
        _judge_truth(person, status)
        if status.stage is Stage.INELIGIBLE:
            tally.count(f"ineligible: {status.reason.value if status.reason else '?'}")
            return
        tally.count("eligible")
        if not context.join:
            return
        self.pause(waits.think)
        self.call(JOIN_WAVE, JoinData, "join", headers=auth)
        tally.count("joined")
        tally.time("sign-up to joined", time.monotonic() - started)
        self.call(
            REGISTRATION_STATUS,
            StatusData,
            "status after joining",
            headers=auth,
            expect=lambda s: None if s.stage is Stage.JOINED else f"stage {s.stage}, not JOINED",
        )
        self.pause(waits.think)
        self.call(DASHBOARD, DashboardData, "dashboard", headers=auth)

    def _verdict(self, auth: dict[str, str], since: float) -> StatusData:
        context = runtime.context()
        waits = context.plan.waits
        while True:
            self.pause(waits.poll)
            status = self.call(REGISTRATION_STATUS, StatusData, "status", headers=auth)
            if status.stage in VERDICTS:
                return status
            if status.stage is not Stage.VERIFYING:
                context.tally.count("stopped at status")
                raise JourneyStopped(f"stage {status.stage} while waiting for the verdict")
            if time.monotonic() - since > waits.verdict_timeout:
                context.tally.count(f"no verdict within {waits.verdict_timeout:.0f}s")
                raise JourneyStopped("verdict")


def _otp(messages: list[Any]) -> str | None:
    """The newest registration OTP of an inbox (newest first)."""
    return next((m.otp for m in messages if m.purpose == "registration" and m.otp), None)


def _judge_truth(person: dict[str, str], status: StatusData) -> None:
    """Count whether the verdict is the population's ground truth for this person."""
    tally = runtime.context().tally
    expected = person["case"]
    got = Case.ELIGIBLE.value if status.stage is Stage.ELIGIBLE else str(status.reason)
    if got == expected:
        tally.count("truth: agrees")
    elif expected in ORDER_DEPENDENT or got in ORDER_DEPENDENT:
        tally.count("truth: differs, order-dependent")  # the other of the group came first
    else:
        tally.count(f"truth: differs: {expected} got {got}")


# --- signed partner calls ----------------------------------------------------------------------


class Signed(Checked):
    """A partner's user: signs its calls with the leased unit's credentials."""

    abstract = True
    unit_kind = ""
    reusable = True  # a unit goes back to the pool when its user stops
    signer: Signer
    stamper: Stamper
    unit_index: int | None = None

    def lease(self) -> Any:
        """Lease a unit alone for this user; stop the user if none is free."""
        context = runtime.context()
        index = context.coordinator.ask(self.unit_kind)
        if index is None:
            context.tally.count(f"{self.unit_kind}: no free fixture")
            raise StopUser()
        self.unit_index = int(index)
        return context.units(self.unit_kind)[self.unit_index]

    def on_stop(self) -> None:
        """Give the unit back for the next user (units that are used up are not)."""
        if self.unit_index is not None and self.reusable:
            runtime.context().coordinator.give_back(self.unit_kind, self.unit_index)
            self.unit_index = None

    def signed(
        self,
        endpoint: Endpoint,
        model: type[ModelT],
        step: str,
        body: dict[str, Any],
        *,
        authorization: str | None = None,
        expect: Callable[[ModelT], str | None] = lambda _: None,
    ) -> ModelT:
        """A signed POST of ``body`` (compact JSON, the bytes signed)."""
        text = compact(body)
        headers = signed_headers(
            self.signer.client_code,
            self.signer.sign_key,
            endpoint.path,
            text,
            timestamp=self.stamper.stamp(endpoint.path, text),
            authorization=authorization,
        )
        return self.call(endpoint, model, step, data=text, headers=headers, expect=expect)


class Buyer(Signed):
    """A DP's buyer, on a fixture card of its own: buy a course, check it, void it, again."""

    unit_kind = "cards"

    def on_start(self) -> None:
        """Lease a card."""
        self.card: Card = self.lease()
        self.signer = self.card.signer()
        self.stamper = Stamper(self.signer.band, self.signer.stride)

    @task
    def purchase(self) -> None:
        """One purchase and its void."""
        tally = runtime.context().tally
        tally.count("buyer: started")
        with contextlib.suppress(JourneyStopped):
            self._purchase()

    def _purchase(self) -> None:
        context = runtime.context()
        tally, waits, card = context.tally, context.plan.waits, self.card
        order = {"course_code": card.course_code, "schedule_code": card.schedule_code}
        self.signed(
            QUOTA_SCHEDULE,
            QuotaScheduleData,
            "quota",
            order,
            expect=lambda q: None if q.quota > 0 else "no seats left",
        )
        self.pause(waits.think)
        otp_sent = self.signed(
            SEND_OTP,
            SendOtpData,
            "send-otp",
            {
                "prakerja_id": card.prakerja_id,
                "user_platform_id": f"load-{card.prakerja_id}",
                **order,
                "amount": card.amount,
            },
        )
        tally.count("buyer: otp sent")
        self.pause(waits.inbox)
        inbox = self.call(
            SMS_INBOX,
            SmsInboxData,
            "payment OTP",
            params={"prakerja_id": card.prakerja_id},
            expect=lambda m: None if m.messages and m.messages[0].otp else "no OTP in the inbox",
        )
        invoice = f"LOAD-{secrets.token_hex(6)}"
        paid = self.signed(
            AUTHORIZE,
            AuthorizeData,
            "authorize",
            {
                "otp": inbox.messages[0].otp,
                "invoice_url": f"https://dp.example/invoice/{invoice}",
                "invoice_code": invoice,
            },
            authorization=f"Payment {otp_sent.payment_token}",
            expect=lambda a: (
                None
                if a.status is PaymentStatus.SUCCESS and a.amount == card.amount and a.redeem_code
                else f"status {a.status}, amount {a.amount}"
            ),
        )
        tally.count("buyer: paid")
        self.signed(
            PAYMENT_STATUS,
            PaymentStatusData,
            "status",
            {"invoice_code": invoice},
            expect=lambda s: None if s.status is PaymentStatus.SUCCESS else f"status {s.status}",
        )
        self.pause(waits.think)
        self.signed(
            VOID,
            Empty,
            "void",
            {"invoice_code": invoice, "transaction_code": paid.transaction_code},
        )
        self.signed(
            PAYMENT_STATUS,
            PaymentStatusData,
            "status after void",
            {"invoice_code": invoice},
            expect=lambda s: None if s.status is PaymentStatus.VOIDED else f"status {s.status}",
        )
        tally.count("buyer: voided")


def _attendance(wanted: AttendanceStatus) -> Callable[[RedeemStatusData], str | None]:
    """A check that the sequence asked is (or is not yet) verified."""

    def check(status: RedeemStatusData) -> str | None:
        if status.attendance_status is wanted:
            return None
        return f"sequence {status.sequence} attendance {status.attendance_status.name}"

    return check


class Learner(Signed):
    """An LP's participant on a test redeem code of its own: every stage verified, then reset."""

    unit_kind = "codes"

    def on_start(self) -> None:
        """Lease a redeem code."""
        self.code: RedeemCode = self.lease()
        self.signer = self.code.signer()
        self.stamper = Stamper(self.signer.band, self.signer.stride)

    @task
    def attend(self) -> None:
        """The course from redeem to post-test, then the code back to the start."""
        tally = runtime.context().tally
        tally.count("learner: started")
        with contextlib.suppress(JourneyStopped):
            self._attend()

    def _attend(self) -> None:
        context = runtime.context()
        tally, waits, code = context.tally, context.plan.waits, self.code
        for sequence in code.sequences:
            key = {"redeem_code": code.redeem_code, "sequence": sequence}
            self.signed(
                REDEEM_STATUS,
                RedeemStatusData,
                "redeem status",
                key,
                expect=_attendance(AttendanceStatus.NOT_VERIFIED),
            )
            link = self.signed(
                URL_GENERATE,
                UrlGenerateData,
                "url-generate",
                {**key, "redirect_uri": code.redirect_uri, "email": code.email},
            )
            self.pause(waits.think)
            self._approve(link.url, sequence)
            self.signed(
                REDEEM_STATUS,
                RedeemStatusData,
                "redeem status",
                key,
                expect=_attendance(AttendanceStatus.VERIFIED),
            )
            tally.count(f"learner: stage {sequence}")
        self.signed(
            REDEEM_RESET,
            RedeemStatusData,
            "reset",
            {"redeem_code": code.redeem_code},
            expect=lambda s: None if int(s.status) == 0 else f"status {s.status} after reset",
        )
        tally.count("learner: reset")

    def _approve(self, url: str, sequence: int) -> None:
        """The participant presses "Verifikasi" on the page; the browser goes back with success."""
        with self.client.post(
            urlsplit(url).path,
            name="POST /verifikasi/{token}",
            data="action=approve",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            allow_redirects=False,
            catch_response=True,
        ) as response:
            location = response.headers.get("location", "") if response.headers else ""
            outcome = parse_qs(urlsplit(location).query).get("status", [""])[0]
            if response.status_code == 303 and outcome == "success":
                response.success()
                return
            response.failure(f"{response.status_code}, back with status={outcome!r}")
        runtime.context().tally.count("stopped at verification page")
        raise JourneyStopped(f"verification of sequence {sequence}")


class Payer(Signed):
    """A payment partner calling back: a disbursement Prakerja sent it is final; then, as a
    partner whose first callback's answer was lost would, the same callback again, which must
    get the same answer. Each disbursement is final once: units are used up, not given back.
    """

    unit_kind = "disbursements"
    reusable = False

    @task
    def call_back(self) -> None:
        """One disbursement's callback and its retry."""
        context = runtime.context()
        self.unit_index = None
        disbursement: Disbursement = self.lease()
        self.signer = disbursement.signer()
        self.stamper = Stamper(0, 1)
        context.tally.count("payer: started")
        body = {
            "disbursement_id": disbursement.disbursement_id,
            "partner_reference": f"REF-{disbursement.disbursement_id}",
            "status": "SUCCESS",
            "amount": disbursement.amount,
            "final_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        try:
            self.signed(PAYOUT_CALLBACK, PayoutCallbackData, "callback", body, expect=_paid)
            context.tally.count("payer: paid")
            self.pause(context.plan.waits.inbox)
            self.signed(PAYOUT_CALLBACK, PayoutCallbackData, "callback again", body, expect=_paid)
            context.tally.count("payer: retry answered the same")
        except JourneyStopped:
            self.after_failure()


def _paid(data: PayoutCallbackData) -> str | None:
    """What is wrong unless Prakerja recorded the disbursement PAID."""
    return None if data.status == "PAID" else f"recorded as {data.status}, not PAID"
