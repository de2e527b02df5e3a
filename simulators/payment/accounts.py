"""Who holds which account where: KYC records drawn from the synthetic population and a seed.

The population says who holds a bank or e-wallet account (``has_account``, 72%). For everyone
else this module decides, deterministically from the person and the seed (no state, no order):

- **Account holders** hold one account they would link (their *choice*): an e-wallet or a bank
  account such that, with the newcomers below, 72% of the people choose an e-wallet; some (30%)
  also hold a second account elsewhere. A bank account is KYC-verified at opening; an e-wallet
  is verified for most (85%), basic (UNVERIFIED, 11%) or waiting for its upgrade (PENDING, 4%)
  for the rest, so that linking refusals happen; 2% of accounts are blocked. Verified accounts
  carry the person's NIK and the holder name as the civil registry has it.
- **People without an account** (28%) hold nothing: they must open one first — an e-wallet for
  93% of them (then upgrade it), a bank account for the rest — at the partner of their choice.

E-wallets are on the person's own phone (the account number is the phone). Bank account numbers
are the bank's two-digit prefix and eight digits, a bijection of the person's line in the file
(distinct for up to 10^8 people; 10 digits, so never mistaken for a NIK by the redaction rule).

``holdings`` is the pure rule; ``AccountBook`` holds every partner's accounts for the simulators,
from a population file or rows, plus a few fixed fixture accounts per partner for tests and the
conformance harness (``fixtures``). The book is mutable (balances, opening, upgrades) and is used
from one event loop only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contract.partner_app import AppAccountData
from contract.payouts import AccountStatus, AccountType, KycLevel
from contract.population import Case
from simulators.payment.partners import PARTNERS, PartnerSpec
from simulators.population.reader import Person, read_population

# The programme's numbers (program-facts.md): 28% had no account, 93% of those chose an e-wallet,
# 72% of all chose an e-wallet. So among account holders the e-wallet share is what is left.
WITHOUT_ACCOUNT_EWALLET = 0.93
EWALLET_OVERALL = 0.72
WITHOUT_ACCOUNT = 0.28
HOLDER_EWALLET = (EWALLET_OVERALL - WITHOUT_ACCOUNT * WITHOUT_ACCOUNT_EWALLET) / (
    1 - WITHOUT_ACCOUNT
)
SECOND_ACCOUNT = 0.30
EWALLET_KYC = ((KycLevel.VERIFIED, 0.85), (KycLevel.UNVERIFIED, 0.11), (KycLevel.PENDING, 0.04))
SECOND_EWALLET_KYC = ((KycLevel.VERIFIED, 0.5), (KycLevel.UNVERIFIED, 0.5))
BLOCKED = 0.02
BANK_BALANCE_MAX = 5_000_000
EWALLET_BALANCE_MAX = 500_000
_STEP = 8_675_309  # odd and not a multiple of 5: a bijection of 0..10^8-1 by multiplication
_SPACE = 10**8


@dataclass(slots=True)
class Account:
    """One account at one partner: its KYC record and its balance (integer rupiah)."""

    partner: str
    account_type: AccountType
    number: str
    holder_name: str
    kyc_level: KycLevel
    nik: str | None  # the verified identity's NIK; None unless VERIFIED
    status: AccountStatus
    balance: int
    limit: int | None  # the most it may hold (e-wallets), None: no limit

    def view(self) -> AppAccountData:
        """What the holder's app shows (no NIK)."""
        return AppAccountData(
            partner=self.partner,
            account_type=self.account_type,
            account_number=self.number,
            holder_name=self.holder_name,
            kyc_level=self.kyc_level,
            account_status=self.status,
            balance=self.balance,
        )


@dataclass(frozen=True, slots=True)
class Holding:
    """What one person holds, and where they would have incentives paid."""

    accounts: tuple[Account, ...]
    choice: str  # the partner instance they link (or open an account at)
    must_open: bool  # True: they hold no account; open one at ``choice`` first

    @property
    def chosen(self) -> Account | None:
        """The account they would link (None until they open one)."""
        return next((a for a in self.accounts if a.partner == self.choice), None)


def _uniforms(seed: int, person: Person) -> list[float]:
    digest = hashlib.blake2b(
        f"{seed}|{person.nik}|{person.phone}".encode(), digest_size=32, person=b"prakerja-kyc"
    ).digest()
    return [int.from_bytes(digest[i : i + 4], "little") / 2**32 for i in range(0, 32, 4)]


def _pick(draw: float, options: Sequence[tuple[Any, float]]) -> Any:
    total = sum(weight for _, weight in options)
    edge = 0.0
    for option, weight in options:
        edge += weight / total
        if draw < edge:
            return option
    return options[-1][0]


def bank_number(spec: PartnerSpec, index: int, seed: int) -> str:
    """The bank account number of the ``index``-th account this scheme numbers at ``spec``."""
    offset = int.from_bytes(
        hashlib.blake2b(f"{seed}|{spec.instance}".encode(), digest_size=4).digest()
    )
    return f"{spec.number_prefix}{(index * _STEP + offset) % _SPACE:08d}"


def _account(
    spec: PartnerSpec,
    person: Person,
    index: int,
    seed: int,
    kyc: KycLevel,
    blocked: bool,
    balance_draw: float,
) -> Account:
    verified = kyc is KycLevel.VERIFIED
    if spec.is_bank:
        number = bank_number(spec, index, seed)
        balance = int(balance_draw * BANK_BALANCE_MAX) // 1000 * 1000
        limit = None
    else:
        number = person.phone
        balance = int(balance_draw * EWALLET_BALANCE_MAX) // 1000 * 1000
        limit = spec.verified_limit if verified else spec.unverified_limit
    return Account(
        partner=spec.instance,
        account_type=spec.account_type,
        number=number,
        # A basic wallet knows only what was typed at sign-up; verified ones the registry's name.
        holder_name=person.name if verified else person.declared_name,
        kyc_level=kyc,
        nik=person.nik if verified else None,
        status=AccountStatus.BLOCKED if blocked else AccountStatus.ACTIVE,
        balance=balance,
        limit=limit,
    )


def holdings(
    index: int, person: Person, seed: int, partners: Sequence[PartnerSpec] = PARTNERS
) -> Holding:
    """What the ``index``-th person of a population file holds, under ``seed``. Pure."""
    u = _uniforms(seed, person)
    banks = [(p, p.share) for p in partners if p.is_bank]
    wallets = [(p, p.share) for p in partners if not p.is_bank]
    if not person.has_account:
        kind = wallets if (u[0] < WITHOUT_ACCOUNT_EWALLET or not banks) and wallets else banks
        choice: PartnerSpec = _pick(u[1], kind)
        return Holding(accounts=(), choice=choice.instance, must_open=True)
    kind = wallets if (u[0] < HOLDER_EWALLET or not banks) and wallets else banks
    primary: PartnerSpec = _pick(u[1], kind)
    kyc = KycLevel.VERIFIED if primary.is_bank else _pick(u[2], EWALLET_KYC)
    accounts = [_account(primary, person, index, seed, kyc, u[3] < BLOCKED, u[4])]
    others = [p for p in partners if p.instance != primary.instance]
    if others and u[5] < SECOND_ACCOUNT:
        second: PartnerSpec = others[int(u[6] * len(others)) % len(others)]
        kyc = KycLevel.VERIFIED if second.is_bank else _pick(u[7], SECOND_EWALLET_KYC)
        accounts.append(_account(second, person, index, seed, kyc, False, u[4] / 2))
    return Holding(accounts=tuple(accounts), choice=primary.instance, must_open=False)


def same_name(typed: str, registered: str) -> bool:
    """Names are the same ignoring case and the amount of whitespace between words."""
    return " ".join(typed.split()).casefold() == " ".join(registered.split()).casefold()


# --- fixtures: a few fixed accounts per partner, whatever the population -------------------------

FIXTURE_NIK = "3171014101900001"  # a structurally valid NIK of no generated person (serial 0001)
OTHER_FIXTURE_NIK = "3171015202910002"
FIXTURE_NAME = "SANDBOX PENERIMA"


@dataclass(frozen=True, slots=True)
class Fixture:
    """A fixture account: what it is for, and the account."""

    purpose: str
    account: Account


def _fixture_accounts(spec: PartnerSpec, seed: int) -> list[Fixture]:
    """Verified (the fixture NIK), unverified, blocked and (e-wallets) full accounts."""
    rows = (
        ("verified", KycLevel.VERIFIED, AccountStatus.ACTIVE, 0),
        ("unverified", KycLevel.UNVERIFIED, AccountStatus.ACTIVE, 0),
        ("blocked", KycLevel.VERIFIED, AccountStatus.BLOCKED, 0),
        ("full", KycLevel.VERIFIED, AccountStatus.ACTIVE, spec.verified_limit),
    )
    fixtures = []
    for serial, (purpose, kyc, status, balance) in enumerate(rows, start=1):
        if spec.is_bank and purpose == "full":
            continue  # a bank account has no limit to reach
        # E-wallet fixtures have 13 digits: never a generated phone (12 digits).
        number = bank_number(spec, _SPACE - serial, seed) if spec.is_bank else f"0899{serial:09d}"
        verified = kyc is KycLevel.VERIFIED
        limit = (
            None if spec.is_bank else (spec.verified_limit if verified else spec.unverified_limit)
        )
        account = Account(
            partner=spec.instance,
            account_type=spec.account_type,
            number=number,
            holder_name=FIXTURE_NAME,
            kyc_level=kyc,
            nik=FIXTURE_NIK if verified else None,
            status=status,
            balance=balance,
            limit=limit,
        )
        fixtures.append(Fixture(purpose, account))
    return fixtures


# --- the book the simulators answer from ----------------------------------------------------


class KycRefused(Exception):
    """An opening or upgrade the partner refuses; ``code`` is one of ``contract.partner_app``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class PartnerAccounts:
    """One partner's accounts, by number."""

    spec: PartnerSpec
    seed: int
    registry: Mapping[int, str]  # NIK (as int) -> the civil registry's name, shared by all
    accounts: dict[str, Account] = field(default_factory=dict)
    fixtures: list[Fixture] = field(default_factory=list)
    next_index: int = 0  # the next bank-number index for an opened account
    by_nik: dict[str, list[str]] = field(default_factory=dict)  # verified NIK -> numbers

    def get(self, number: str) -> Account | None:
        """The account with this number (a phone for e-wallets)."""
        return self.accounts.get(number)

    def add(self, account: Account) -> None:
        """Keep an account (its number is unique at this partner)."""
        self.accounts[account.number] = account
        if account.nik is not None:
            self.by_nik.setdefault(account.nik, []).append(account.number)

    def put(
        self,
        number: str | None,
        holder_name: str,
        kyc_level: KycLevel,
        nik: str | None,
        status: AccountStatus,
        balance: int,
    ) -> Account:
        """Create or replace an account as given (test setup); a bank number is allocated when
        None. A NIK is kept only on a VERIFIED account, as KYC would."""
        if number is None:
            if not self.spec.is_bank:
                raise ValueError("an e-wallet account needs its phone number")
            number = bank_number(self.spec, self.next_index, self.seed)
            self.next_index += 1
        old = self.accounts.pop(number, None)
        if old is not None and old.nik is not None:
            self.by_nik[old.nik] = [n for n in self.by_nik.get(old.nik, []) if n != number]
        verified = kyc_level is KycLevel.VERIFIED
        limit = (
            None
            if self.spec.is_bank
            else (self.spec.verified_limit if verified else self.spec.unverified_limit)
        )
        account = Account(
            partner=self.spec.instance,
            account_type=self.spec.account_type,
            number=number,
            holder_name=holder_name,
            kyc_level=kyc_level,
            nik=nik if verified else None,
            status=status,
            balance=balance,
            limit=limit,
        )
        self.add(account)
        return account

    def _registry_name(self, nik: str, name: str) -> str:
        registered = self.registry.get(int(nik))
        if registered is None or not same_name(name, registered):
            raise KycRefused("ERRAPP40002", "The NIK and name do not match the civil registry.")
        return registered

    def _verified_elsewhere(self, nik: str, number: str) -> bool:
        return any(other != number for other in self.by_nik.get(nik, ()))

    def open(self, phone: str, name: str, nik: str | None) -> Account:
        """Open an account, or return the one already opened (same phone, or same NIK at a bank)."""
        if not self.spec.is_bank:
            existing = self.accounts.get(phone)
            if existing is not None:
                return existing
            account = Account(
                partner=self.spec.instance,
                account_type=self.spec.account_type,
                number=phone,
                holder_name=" ".join(name.split()),
                kyc_level=KycLevel.UNVERIFIED,
                nik=None,
                status=AccountStatus.ACTIVE,
                balance=0,
                limit=self.spec.unverified_limit,
            )
            self.add(account)
            return account
        if nik is None:
            raise KycRefused("ERRAPP40003", "A bank opens an account only with the NIK.")
        registered = self._registry_name(nik, name)
        for known in self.by_nik.get(nik, ()):
            return self.accounts[known]
        number = bank_number(self.spec, self.next_index, self.seed)
        self.next_index += 1
        account = Account(
            partner=self.spec.instance,
            account_type=self.spec.account_type,
            number=number,
            holder_name=registered,
            kyc_level=KycLevel.VERIFIED,
            nik=nik,
            status=AccountStatus.ACTIVE,
            balance=0,
            limit=None,
        )
        self.add(account)
        return account

    def upgrade(self, phone: str, nik: str, name: str) -> Account:
        """Verify the e-wallet on ``phone`` with the NIK and name (idempotent for the same NIK)."""
        if self.spec.is_bank:
            raise KycRefused("ERRAPP42201", "A bank account is verified when it is opened.")
        account = self.accounts.get(phone)
        if account is None:
            raise KycRefused("ERRAPP40401", "No e-wallet on this phone: open one first.")
        if account.kyc_level is KycLevel.VERIFIED:
            if account.nik == nik:
                return account
            raise KycRefused("ERRAPP40901", "This wallet is verified with another identity.")
        registered = self._registry_name(nik, name)
        if self._verified_elsewhere(nik, phone):
            raise KycRefused("ERRAPP40901", "This NIK already verifies another wallet here.")
        account.kyc_level = KycLevel.VERIFIED
        account.nik = nik
        self.by_nik.setdefault(nik, []).append(phone)
        account.holder_name = registered
        account.limit = self.spec.verified_limit
        return account


class AccountBook:
    """Every partner's accounts, built once from a population (or none) and a seed."""

    def __init__(self, seed: int, partners: Sequence[PartnerSpec] = PARTNERS) -> None:
        self.seed = seed
        self.partners = {spec.instance: spec for spec in partners}
        self.registry: dict[int, str] = {int(FIXTURE_NIK): FIXTURE_NAME}
        self._books: dict[str, PartnerAccounts] = {}
        for spec in partners:
            book = PartnerAccounts(spec=spec, seed=seed, registry=self.registry)
            book.fixtures = _fixture_accounts(spec, seed)
            for fixture in book.fixtures:
                book.add(fixture.account)
            self._books[spec.instance] = book
        self.people = 0

    @classmethod
    def from_people(
        cls, people: Iterable[Person], seed: int, partners: Sequence[PartnerSpec] = PARTNERS
    ) -> AccountBook:
        """The book of these people (in file order: the line decides bank numbers)."""
        book = cls(seed, partners)
        book.add_people(people)
        return book

    @classmethod
    def from_population(
        cls, path: Path, seed: int, partners: Sequence[PartnerSpec] = PARTNERS
    ) -> AccountBook:
        """The book of a population file."""
        return cls.from_people(read_population(path), seed, partners)

    def add_people(self, people: Iterable[Person]) -> None:
        """Draw and keep the accounts of more people (continuing the file's line numbers)."""
        specs = tuple(self.partners.values())
        for person in people:
            index = self.people
            self.people += 1
            if person.case is not Case.NIK_NOT_FOUND:  # the civil registry never heard of them
                self.registry.setdefault(int(person.nik), person.name)
            for account in holdings(index, person, self.seed, specs).accounts:
                self._books[account.partner].add(account)
        for book in self._books.values():
            book.next_index = max(book.next_index, self.people)

    def partner(self, instance: str) -> PartnerAccounts:
        """One partner's accounts; ``KeyError`` for an unknown partner."""
        return self._books[instance]

    def __iter__(self) -> Iterator[PartnerAccounts]:
        return iter(self._books.values())
