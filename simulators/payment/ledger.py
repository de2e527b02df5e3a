"""A payment partner's disbursements and the money they moved: the careful partner's rules.

No I/O and no clock of its own (every call says ``now``), so the rules read and test on their own:

- A disbursement is recorded once under its ``disbursement_id``. The same id with the same
  account type, account number and amount is the same request (``same_request``); anything else
  under that id is a conflict the caller refuses. ``description`` is not compared.
- An account the partner cannot credit (unknown, blocked, would pass its limit, another type)
  makes the disbursement ``FAILED`` at once, with the catalogue's failure code.
- ``settle`` credits the account and makes it ``SUCCESS``; a final status never changes.
- Every credit is kept per disbursement id (``paid``: what tests compare the server's ledger
  with), and the day's **statement** is built from the money: one ``SUCCESS`` entry per credit
  and one ``FAILED`` entry per failure, in the order they became final, on the day (Asia/Jakarta)
  they did. A careful partner therefore lists each disbursement once and exactly what it paid.

The mutants of ``kinds`` bend these rules in the app, never here: this module is the partner
being right.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from contract.errors import ErrorCode
from contract.payouts import (
    FINAL_STATUSES,
    PP_ACCOUNT_BLOCKED,
    PP_ACCOUNT_NOT_FOUND,
    PP_LIMIT_EXCEEDED,
    PP_TYPE_NOT_SUPPORTED,
    STATEMENT_TIMEZONE,
    AccountStatus,
    AccountType,
    DisbursementData,
    DisbursementStatus,
    StatementData,
    StatementEntry,
)
from simulators.payment.accounts import Account, PartnerAccounts

JAKARTA = ZoneInfo(STATEMENT_TIMEZONE)


@dataclass(slots=True)
class Disbursement:
    """One disbursement as the partner recorded it."""

    disbursement_id: str
    account_type: AccountType
    account_number: str
    amount: int
    description: str
    partner_reference: str
    received_at: dt.datetime
    status: DisbursementStatus = DisbursementStatus.PENDING
    failure: ErrorCode | None = None
    final_at: dt.datetime | None = None

    @property
    def final(self) -> bool:
        """True once SUCCESS or FAILED."""
        return self.status in FINAL_STATUSES

    def data(self) -> DisbursementData:
        """The contract's view of it (the answer of disburse and status)."""
        return DisbursementData(
            disbursement_id=self.disbursement_id,
            partner_reference=self.partner_reference,
            status=self.status,
            amount=self.amount,
            failure_code=None if self.failure is None else self.failure.code,
            failure_message=None if self.failure is None else self.failure.message,
            received_at=self.received_at,
            final_at=self.final_at,
        )


@dataclass(frozen=True, slots=True)
class Credit:
    """Money put into an account for a disbursement."""

    disbursement_id: str
    account_number: str
    amount: int
    at: dt.datetime


class CursorError(ValueError):
    """A statement cursor this partner did not issue for that day."""


def jakarta_day(moment: dt.datetime) -> dt.date:
    """The Asia/Jakarta calendar day of an aware moment."""
    return moment.astimezone(JAKARTA).date()


def same_request(
    recorded: Disbursement, account_type: AccountType, account_number: str, amount: int
) -> bool:
    """True when a repeated request under a recorded id asks for the same payment."""
    return (recorded.account_type, recorded.account_number, recorded.amount) == (
        account_type,
        account_number,
        amount,
    )


@dataclass
class Ledger:
    """One partner's disbursements, credits and daily statements."""

    accounts: PartnerAccounts
    reference_prefix: str
    disbursements: dict[str, Disbursement] = field(default_factory=dict)
    credits: dict[str, list[Credit]] = field(default_factory=dict)
    _days: dict[dt.date, list[StatementEntry]] = field(default_factory=dict)
    _serial: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def find(self, disbursement_id: str) -> Disbursement | None:
        """The disbursement recorded under this id, if any."""
        return self.disbursements.get(disbursement_id)

    def refusal(
        self, account_type: AccountType, account: Account | None, amount: int
    ) -> ErrorCode | None:
        """Why the partner cannot credit ``amount`` to this account now, or None."""
        if account_type is not self.accounts.spec.account_type:
            return PP_TYPE_NOT_SUPPORTED
        if account is None:
            return PP_ACCOUNT_NOT_FOUND
        if account.status is not AccountStatus.ACTIVE:
            return PP_ACCOUNT_BLOCKED
        if account.limit is not None and account.balance + amount > account.limit:
            return PP_LIMIT_EXCEEDED
        return None

    def record(
        self,
        disbursement_id: str,
        account_type: AccountType,
        account_number: str,
        amount: int,
        description: str,
        now: dt.datetime,
    ) -> Disbursement:
        """Record a new disbursement: PENDING, or FAILED at once when the account cannot take it.

        The caller has checked that the id is new (``find``).
        """
        if disbursement_id in self.disbursements:
            raise ValueError(f"disbursement {disbursement_id} is already recorded")
        record = Disbursement(
            disbursement_id=disbursement_id,
            account_type=account_type,
            account_number=account_number,
            amount=amount,
            description=description,
            partner_reference=f"{self.reference_prefix}{next(self._serial):010d}",
            received_at=now,
        )
        self.disbursements[disbursement_id] = record
        account = (
            self.accounts.get(account_number)
            if account_type is self.accounts.spec.account_type
            else None
        )
        failure = self.refusal(account_type, account, amount)
        if failure is not None:
            self.fail(record, failure, now)
        return record

    def fail(self, record: Disbursement, failure: ErrorCode, now: dt.datetime) -> None:
        """Make a PENDING disbursement FAILED (nothing paid)."""
        if record.final:
            raise ValueError(f"disbursement {record.disbursement_id} is already final")
        record.status = DisbursementStatus.FAILED
        record.failure = failure
        record.final_at = now
        self._enter(record, DisbursementStatus.FAILED, now)

    def settle(self, record: Disbursement, now: dt.datetime) -> None:
        """Credit the account and make the disbursement SUCCESS; FAILED if it cannot take it now."""
        if record.final:
            return
        account = self.accounts.get(record.account_number)
        failure = self.refusal(record.account_type, account, record.amount)
        if failure is not None or account is None:
            self.fail(record, failure or PP_ACCOUNT_NOT_FOUND, now)
            return
        self.credit(record, account, now)
        record.status = DisbursementStatus.SUCCESS
        record.final_at = now

    def credit(self, record: Disbursement, account: Account, now: dt.datetime) -> None:
        """Put the disbursement's amount into ``account`` and enter it in the day's statement."""
        account.balance += record.amount
        self.credits.setdefault(record.disbursement_id, []).append(
            Credit(record.disbursement_id, account.number, record.amount, now)
        )
        self._enter(record, DisbursementStatus.SUCCESS, now)

    def _enter(self, record: Disbursement, status: DisbursementStatus, now: dt.datetime) -> None:
        entry = StatementEntry(
            disbursement_id=record.disbursement_id,
            partner_reference=record.partner_reference,
            amount=record.amount,
            status=status,
            final_at=now,
        )
        self._days.setdefault(jakarta_day(now), []).append(entry)

    def paid(self) -> dict[str, tuple[int, int]]:
        """Per disbursement id: how many credits and how much money, integer rupiah."""
        return {key: (len(made), sum(c.amount for c in made)) for key, made in self.credits.items()}

    def entries(self, day: dt.date) -> list[StatementEntry]:
        """The statement entries of ``day``, in the order they became final."""
        return list(self._days.get(day, ()))

    def statement(
        self, day: dt.date, cursor: str | None, limit: int, *, overlap: int = 0
    ) -> StatementData:
        """One page of ``day``'s statement.

        ``overlap`` > 0 only for the mutant whose next page repeats the end of this one (it still
        moves on: a page of one entry is not repeated).
        """
        entries = self._days.get(day, [])
        start = 0 if cursor is None else self._position(day, cursor, len(entries))
        page = entries[start : start + limit]
        end = start + len(page)
        following = end - overlap if end - overlap > start else end
        return StatementData(
            date=day,
            entries=page,
            next_cursor=f"{day.isoformat()}.{following}" if end < len(entries) else None,
            total_count=len(entries),
            success_amount=sum(e.amount for e in entries if e.status is DisbursementStatus.SUCCESS),
        )

    @staticmethod
    def _position(day: dt.date, cursor: str, size: int) -> int:
        prefix, _, position = cursor.partition(".")
        if prefix != day.isoformat() or not position.isdigit() or not 0 < int(position) <= size:
            raise CursorError(f"not a cursor of the statement of {day.isoformat()}")
        return int(position)
