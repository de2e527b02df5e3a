"""The platform's checkout: a purchase paid with Kartu Prakerja, as a careful DP integration
makes it (each mutant changes exactly one thing, named in ``kinds.py``).

1. The course must be in the storefront (the catalogue's price is what is charged).
2. ``payment/quota-schedule``: no seat, no purchase (the buyer is told at once).
3. ``payment/send-otp`` with the price in integer rupiah; Prakerja texts the buyer an OTP.
4. The buyer gives the OTP: ``payment/authorize`` with ``Authorization: Payment <token>`` and
   the checkout's own invoice code. A wrong OTP may be typed again while attempts are left; a
   locked or expired token ends the checkout (start again).
5. No usable answer to authorize (timeout, 5xx, busy): ``payment/status`` of the invoice first;
   found, the purchase is made; not found, authorize once more (restamped, after
   ``Retry-After``); still nothing, the checkout is *pending* and every look at it asks status.
6. The invoice page confirms the purchase with ``payment/status``; a void is
   ``payment/void`` with the invoice's codes, once.

A refusal is never sent again unchanged; it becomes what the buyer is told.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime

from contract import buyer
from contract import endpoints as ep
from contract import errors as err
from contract.buyer import BuyerReason, CheckoutStatus, Failure, InvoiceStatus
from simulators.buyer_api import BuyerError, conflict, failure, mask_card, not_found
from simulators.outbound import Answer, Caller, Calls, Kind, Outcome
from simulators.platform.storefront import Storefront

OTP_ATTEMPTS = 3  # decisions.md: three wrong OTPs kill the token
UNDEFINED_TOKEN = "undefined"  # what a front end that never got a token sends

REFUSALS: dict[str, tuple[BuyerReason, str]] = {
    err.COURSE_NOT_FOUND.code: (BuyerReason.NOT_ON_SALE, "Pelatihan ini tidak lagi dijual."),
    err.COURSE_OTHER_DP.code: (BuyerReason.NOT_ON_SALE, "Pelatihan ini tidak dijual di sini."),
    err.COURSE_SUSPENDED.code: (
        BuyerReason.NOT_ON_SALE,
        "Penjualan pelatihan ini sedang dihentikan sementara.",
    ),
    err.SCHEDULE_NOT_FOUND.code: (BuyerReason.SCHEDULE_UNKNOWN, "Jadwal tidak ditemukan."),
    err.SCHEDULE_NOT_IN_COURSE.code: (
        BuyerReason.SCHEDULE_UNKNOWN,
        "Jadwal ini bukan jadwal pelatihan yang dipilih.",
    ),
    err.COURSE_OR_SCHEDULE_EMPTY.code: (BuyerReason.SCHEDULE_UNKNOWN, "Pilih jadwal pelatihan."),
    err.TRAINING_STARTED.code: (
        BuyerReason.TRAINING_STARTED,
        "Pelatihan pada jadwal ini sudah dimulai. Pilih jadwal lain.",
    ),
    err.QUOTA_FULL.code: (BuyerReason.SOLD_OUT, "Kuota jadwal ini sudah habis. Pilih jadwal lain."),
    err.CARD_NOT_FOUND.code: (
        BuyerReason.CARD_UNKNOWN,
        "Nomor Kartu Prakerja tidak ditemukan. Periksa kembali nomor kartu Anda.",
    ),
    err.CARD_NOT_ACTIVE.code: (BuyerReason.CARD_INACTIVE, "Kartu Prakerja Anda tidak aktif."),
    err.AGE_NOT_ELIGIBLE.code: (
        BuyerReason.NOT_ELIGIBLE,
        "Usia Anda tidak memenuhi syarat pelatihan ini.",
    ),
    err.EDUCATION_NOT_ELIGIBLE.code: (
        BuyerReason.NOT_ELIGIBLE,
        "Pendidikan Anda tidak memenuhi syarat pelatihan ini.",
    ),
    err.BALANCE_INSUFFICIENT.code: (
        BuyerReason.INSUFFICIENT_BALANCE,
        "Saldo Kartu Prakerja Anda tidak mencukupi untuk pelatihan ini.",
    ),
    err.ALREADY_OWNED.code: (BuyerReason.ALREADY_OWNED, "Anda sudah membeli pelatihan ini."),
    err.AMOUNT_MISMATCH.code: (
        BuyerReason.PRICE_CHANGED,
        "Harga pelatihan telah berubah. Muat ulang halaman dan coba lagi.",
    ),
    err.OTP_WRONG.code: (BuyerReason.WRONG_OTP, "Kode OTP salah. Periksa SMS Anda dan coba lagi."),
    err.OTP_EXPIRED.code: (
        BuyerReason.OTP_EXPIRED,
        "Kode OTP sudah kedaluwarsa. Silakan ulangi pembelian.",
    ),
    err.OTP_LOCKED.code: (
        BuyerReason.OTP_LOCKED,
        "Kode OTP salah tiga kali. Silakan ulangi pembelian untuk mendapatkan OTP baru.",
    ),
    err.PAYMENT_TOKEN_INVALID.code: (
        BuyerReason.PAYMENT_FAILED,
        "Sesi pembayaran tidak valid. Silakan ulangi pembelian.",
    ),
    err.PAYMENT_TOKEN_USED.code: (
        BuyerReason.PAYMENT_FAILED,
        "Sesi pembayaran ini sudah dipakai. Silakan ulangi pembelian.",
    ),
    err.INVOICE_DUPLICATE.code: (
        BuyerReason.PAYMENT_FAILED,
        "Pembayaran tidak dapat diproses. Silakan ulangi pembelian.",
    ),
    err.VOID_NOT_ALLOWED.code: (
        BuyerReason.VOID_NOT_ALLOWED,
        "Pembelian tidak dapat dibatalkan: pelatihan sudah mulai Anda ikuti.",
    ),
}
# Refusals of authorize after which the token is dead: the checkout cannot go on.
ENDS_CHECKOUT = frozenset(
    {
        err.OTP_LOCKED.code,
        err.OTP_EXPIRED.code,
        err.PAYMENT_TOKEN_INVALID.code,
        err.PAYMENT_TOKEN_USED.code,
    }
)
# Refusals that may mean an earlier attempt of this very authorize went through.
MAYBE_PAID = frozenset({err.PAYMENT_TOKEN_USED.code, err.INVOICE_DUPLICATE.code})


@dataclass(frozen=True)
class Behaviour:
    """The one thing a mutant does differently (all False: the careful platform)."""

    skips_quota_check: bool = False
    wrong_amount: bool = False
    amount_as_text: bool = False
    reuses_invoice_code: bool = False
    reuses_payment_token: bool = False
    blind_retry_refused_payment: bool = False
    ignores_send_otp_refusal: bool = False
    skips_status_after_timeout: bool = False
    ignores_otp_lock: bool = False
    voids_twice: bool = False


def now() -> datetime:
    """The platform's clock (UTC)."""
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """ISO-8601 UTC with a Z."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> datetime:
    """An ISO-8601 time from Prakerja."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass
class Order:
    """One checkout as the platform keeps it."""

    checkout_id: str
    prakerja_id: str
    user_id: str
    course_code: str
    schedule_code: str
    invoice_code: str
    invoice_url: str
    provider_url: str | None = None
    status: CheckoutStatus = CheckoutStatus.FAILED
    amount: int | None = None
    token: str | None = None
    phone_number: str | None = None
    otp_expires_at: datetime | None = None
    attempts_left: int | None = None
    failure: Failure | None = None
    invoice: buyer.Invoice | None = None
    created_at: datetime = field(default_factory=now)

    def view(self) -> buyer.Checkout:
        """The buyer's view."""
        return buyer.Checkout(
            checkout_id=self.checkout_id,
            status=self.status,
            prakerja_id=mask_card(self.prakerja_id),
            course_code=self.course_code,
            schedule_code=self.schedule_code,
            amount=self.amount,
            phone_number=self.phone_number,
            otp_expires_at=iso(self.otp_expires_at) if self.otp_expires_at else None,
            attempts_left=self.attempts_left,
            invoice=self.invoice,
            failure=self.failure,
        )


class Shop:
    """One platform's checkouts and invoices, and the calls they make."""

    def __init__(
        self, *, caller: Caller, storefront: Storefront, instance: str, behaviour: Behaviour
    ) -> None:
        self.caller = caller
        self.storefront = storefront
        self.instance = instance
        self.behaviour = behaviour
        self.orders: dict[str, Order] = {}
        self.invoices: dict[str, str] = {}  # invoice code -> checkout id
        self.last_token: str | None = None
        self._locks: dict[str, asyncio.Lock] = {}

    def lock(self, checkout_id: str) -> asyncio.Lock:
        """One step at a time per checkout (a double click waits its turn)."""
        return self._locks.setdefault(checkout_id, asyncio.Lock())

    def order(self, checkout_id: str) -> Order:
        """A checkout of this platform, or 404."""
        found = self.orders.get(checkout_id)
        if found is None:
            raise not_found("Checkout")
        return found

    def _invoice_code(self) -> str:
        if self.behaviour.reuses_invoice_code:  # the mutant: one invoice number for everything
            return f"INV-{self.instance}-0001"
        return f"INV-{self.instance}-{secrets.token_hex(6).upper()}"

    # --- start: storefront, quota, send-otp -----------------------------------------------------

    async def start(
        self, calls: Calls, ask: buyer.StartCheckoutRequest, base_url: str
    ) -> buyer.Checkout:
        """A new checkout: ends awaiting the OTP, or failed with the reason."""
        invoice_code = self._invoice_code()
        order = Order(
            checkout_id=secrets.token_hex(8),
            prakerja_id=ask.prakerja_id,
            user_id=ask.user_id or "u-" + hashlib.sha256(ask.prakerja_id.encode()).hexdigest()[:12],
            course_code=ask.course_code,
            schedule_code=ask.schedule_code,
            invoice_code=invoice_code,
            invoice_url=f"{base_url.rstrip('/')}/invoices/{invoice_code}",
        )
        self.orders[order.checkout_id] = order
        course = await self.storefront.course(ask.course_code)
        if course is None:
            order.failure = Failure(
                reason=BuyerReason.NOT_ON_SALE,
                message="Pelatihan ini tidak dijual di platform ini.",
                prakerja_code=None,
            )
            return order.view()
        order.provider_url = course.provider_url
        key = {"course_code": ask.course_code, "schedule_code": ask.schedule_code}
        if not self.behaviour.skips_quota_check:
            quota = await calls.post(ep.QUOTA_SCHEDULE, key, kind=Kind.READ)
            if not quota.ok:
                order.failure = failure(quota, REFUSALS, BuyerReason.PAYMENT_FAILED)
                return order.view()
            if int(quota.data["quota"]) <= 0:
                reason, message = REFUSALS[err.QUOTA_FULL.code]
                order.failure = Failure(reason=reason, message=message, prakerja_code=None)
                return order.view()
        price = course.price - course.price // 10 if self.behaviour.wrong_amount else course.price
        order.amount = price
        body: dict[str, object] = {
            "prakerja_id": ask.prakerja_id,
            "user_platform_id": order.user_id,
            **key,
            "amount": str(price) if self.behaviour.amount_as_text else price,
        }
        sent = await calls.post(ep.SEND_OTP, body, kind=Kind.WRITE)
        if self.behaviour.blind_retry_refused_payment and sent.outcome is Outcome.REFUSED:
            sent = await calls.post(ep.SEND_OTP, body, kind=Kind.WRITE)  # the mutant: again
        if not sent.ok:
            if sent.code == err.AMOUNT_MISMATCH.code:
                self.storefront.stale()
            if self.behaviour.ignores_send_otp_refusal:  # the mutant: asks for the OTP anyway
                order.status, order.attempts_left = CheckoutStatus.AWAITING_OTP, OTP_ATTEMPTS
                return order.view()
            order.failure = failure(sent, REFUSALS, BuyerReason.PAYMENT_FAILED)
            return order.view()
        order.status = CheckoutStatus.AWAITING_OTP
        order.token = str(sent.data["payment_token"])
        order.phone_number = str(sent.data["phone_number"])
        order.otp_expires_at = parse_time(str(sent.data["expired_at"]))
        order.attempts_left = OTP_ATTEMPTS
        return order.view()

    # --- pay: authorize, and what to do when its answer is lost --------------------------------

    def _token(self, order: Order) -> str:
        if self.behaviour.reuses_payment_token and self.last_token is not None:
            return self.last_token  # the mutant: the token of the platform's previous checkout
        return order.token or UNDEFINED_TOKEN

    async def pay(self, calls: Calls, checkout_id: str, otp: str) -> buyer.Checkout:
        """The buyer's OTP: authorize, and the checkout as it stands afterwards."""
        async with self.lock(checkout_id):
            order = self.order(checkout_id)
            locked_out = (
                order.status is CheckoutStatus.FAILED
                and order.failure is not None
                and order.failure.reason is BuyerReason.OTP_LOCKED
            )
            if order.status is not CheckoutStatus.AWAITING_OTP and not (
                locked_out and self.behaviour.ignores_otp_lock
            ):
                raise conflict(
                    f"Checkout ini berstatus {order.status.value}; OTP tidak diperlukan."
                )
            if order.otp_expires_at is not None and now() >= order.otp_expires_at:
                order.status = CheckoutStatus.FAILED
                reason, message = REFUSALS[err.OTP_EXPIRED.code]
                order.failure = Failure(reason=reason, message=message, prakerja_code=None)
                return order.view()
            answer = await self._authorize(calls, order, otp)
            if answer.outcome in (Outcome.BUSY, Outcome.UNAVAILABLE):
                answer = await self._after_lost_answer(calls, order, otp, answer)
            if answer.outcome in (Outcome.BUSY, Outcome.UNAVAILABLE):
                order.status = CheckoutStatus.PENDING
                order.failure = failure(answer, REFUSALS, BuyerReason.PAYMENT_FAILED)
                return order.view()
            await self._settle(calls, order, answer)
            return order.view()

    async def _authorize(self, calls: Calls, order: Order, otp: str) -> Answer:
        token = self._token(order)
        if order.token is not None:
            self.last_token = order.token
        body = {"otp": otp, "invoice_url": order.invoice_url, "invoice_code": order.invoice_code}
        return await calls.post(ep.AUTHORIZE, body, kind=Kind.PAY, authorization=f"Payment {token}")

    async def _after_lost_answer(
        self, calls: Calls, order: Order, otp: str, lost: Answer
    ) -> Answer:
        """No usable answer to authorize: find out what happened before paying again."""
        if self.behaviour.skips_status_after_timeout:  # the mutant: pays again at once
            return await self._authorize(calls, order, otp)
        found = await self._status(calls, order.invoice_code)
        if found.ok:
            return found  # it went through: the status data completes the invoice
        if found.code != err.INVOICE_NOT_FOUND.code:
            # status could not be read either (pending), or refused our own call (say so)
            return found if found.outcome is Outcome.REFUSED else lost
        if lost.retry_after is not None and not self.caller.flaws.ignores_retry_after:
            if lost.retry_after > self.caller.policy.max_wait:
                return lost
            await asyncio.sleep(lost.retry_after)
        return await self._authorize(calls, order, otp)

    async def _status(self, calls: Calls, invoice_code: str) -> Answer:
        return await calls.post(ep.PAYMENT_STATUS, {"invoice_code": invoice_code}, kind=Kind.READ)

    async def _settle(self, calls: Calls, order: Order, answer: Answer) -> None:
        """Apply a definite answer (authorize's, or status's after a lost one)."""
        if answer.ok:
            self._paid(order, answer.data)
            return
        code = answer.code
        if code in MAYBE_PAID:  # an earlier attempt of this authorize may have paid
            found = await self._status(calls, order.invoice_code)
            if found.ok and int(found.data["amount"]) == order.amount:
                self._paid(order, found.data)
                return
        order.failure = failure(answer, REFUSALS, BuyerReason.PAYMENT_FAILED)
        if code == err.OTP_WRONG.code and order.attempts_left is not None:
            order.attempts_left = max(order.attempts_left - 1, 0)
            return  # the buyer may type it again
        if code == err.OTP_LOCKED.code:
            order.attempts_left = 0
        order.status = CheckoutStatus.FAILED

    def _paid(self, order: Order, data: dict[str, object]) -> None:
        order.status, order.failure, order.token = CheckoutStatus.PAID, None, None
        voided = data.get("voided_at")
        order.invoice = buyer.Invoice(
            invoice_code=str(data["invoice_code"]),
            invoice_url=order.invoice_url,
            transaction_code=str(data["transaction_code"]),
            checkout_id=order.checkout_id,
            course_code=order.course_code,
            schedule_code=order.schedule_code,
            amount=int(str(data["amount"])),
            status=InvoiceStatus(str(data["status"])),
            buyer_name=str(data["prakerja_name"]),
            redeem_code=str(data["redeem_code"]),
            provider_url=order.provider_url,
            paid_at=str(data.get("created_at") or iso(now())),
            voided_at=str(voided) if voided else None,
        )
        if order.invoice.status is InvoiceStatus.VOIDED:
            order.status = CheckoutStatus.VOIDED
        self.invoices[order.invoice.invoice_code] = order.checkout_id

    async def look(self, calls: Calls, checkout_id: str) -> buyer.Checkout:
        """The checkout; a pending one asks payment/status whether it went through."""
        async with self.lock(checkout_id):
            order = self.order(checkout_id)
            if order.status is CheckoutStatus.PENDING:
                found = await self._status(calls, order.invoice_code)
                if found.ok:
                    self._paid(order, found.data)
                elif found.code == err.INVOICE_NOT_FOUND.code:
                    order.status = CheckoutStatus.AWAITING_OTP  # not paid: the OTP may be retried
            return order.view()

    # --- the invoice page and void --------------------------------------------------------------

    def _paid_order(self, invoice_code: str) -> Order:
        checkout_id = self.invoices.get(invoice_code)
        order = self.orders.get(checkout_id) if checkout_id else None
        if order is None or order.invoice is None:
            raise not_found("Invoice")
        return order

    def _apply_status(self, order: Order, data: dict[str, object]) -> None:
        assert order.invoice is not None
        status = InvoiceStatus(str(data["status"]))
        voided = data.get("voided_at")
        order.invoice = order.invoice.model_copy(
            update={"status": status, "voided_at": str(voided) if voided else None}
        )
        if status is InvoiceStatus.VOIDED:
            order.status = CheckoutStatus.VOIDED

    async def invoice(self, calls: Calls, invoice_code: str) -> buyer.Invoice:
        """The invoice, confirmed with payment/status (as last known when Prakerja is away)."""
        order = self._paid_order(invoice_code)
        async with self.lock(order.checkout_id):
            found = await self._status(calls, invoice_code)
            if found.ok:
                self._apply_status(order, found.data)
            assert order.invoice is not None
            return order.invoice

    async def void(self, calls: Calls, invoice_code: str) -> buyer.Invoice:
        """Cancel the purchase: payment/void with the invoice's own codes, once."""
        order = self._paid_order(invoice_code)
        async with self.lock(order.checkout_id):
            invoice = order.invoice
            assert invoice is not None
            if invoice.status is InvoiceStatus.VOIDED:
                return invoice
            body = {"invoice_code": invoice_code, "transaction_code": invoice.transaction_code}
            answer = await calls.post(ep.VOID, body, kind=Kind.PAY)
            if self.behaviour.voids_twice:  # the mutant: to be sure
                await calls.post(ep.VOID, body, kind=Kind.PAY)
            if answer.outcome in (Outcome.BUSY, Outcome.UNAVAILABLE):
                found = await self._status(calls, invoice_code)  # did it go through?
                if found.ok:
                    self._apply_status(order, found.data)
                    if order.status is CheckoutStatus.VOIDED:
                        return order.invoice or invoice
                problem = failure(answer, REFUSALS, BuyerReason.PAYMENT_FAILED)
                raise BuyerError.of(problem)
            if answer.ok or answer.code == err.ALREADY_VOIDED.code:
                order.status = CheckoutStatus.VOIDED
                order.invoice = invoice.model_copy(
                    update={"status": InvoiceStatus.VOIDED, "voided_at": iso(now())}
                )
                return order.invoice
            raise BuyerError.of(failure(answer, REFUSALS, BuyerReason.PAYMENT_FAILED))
