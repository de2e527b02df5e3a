"""SSO use cases: who the LP is, the login URL, consent, codes, tokens and the profile.

Codes and tokens are stored only as SHA-256 digests. Spending a code and rotating a refresh token
are single conditional UPDATEs, so two concurrent requests cannot both succeed on either database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from contract import errors as err
from contract.endpoints import SSO_CONSENT_PATH, Role
from contract.errors import ApiError
from contract.payments import PaymentStatus
from contract.sso import LoginUrlData, ProfileData, TokenData
from reference_server import audit, partners
from reference_server.auth import check_timestamp, remember_signature
from reference_server.domain import sso as rules
from reference_server.runtime import PartnerIdentity, Runtime
from reference_server.settings import ServerSettings
from reference_server.storage.tables import Beneficiary, Card, OAuthCode, OAuthToken, Transaction

MAX_CLIENT_ID_LENGTH = 64  # partners.client_code
MAX_URI_LENGTH = 2048  # partner_redirect_uris.uri
MAX_CARD_NUMBER_LENGTH = 16  # cards.card_number
PARTICIPANT = "participant"


def lp_client(runtime: Runtime, client_id: str | None) -> PartnerIdentity:
    """The LP behind an ``X-Client-Id`` (or a ``client_id`` parameter) value."""
    value = (client_id or "").strip()
    if not value:
        raise ApiError(err.SSO_NO_CLIENT_ID)
    # Never send a value the column cannot hold (PostgreSQL refuses NUL) to the database.
    if len(value) > MAX_CLIENT_ID_LENGTH or "\x00" in value:
        raise ApiError(err.SSO_UNKNOWN_CLIENT)
    partner = runtime.partner(value)
    if partner is None:
        raise ApiError(err.SSO_UNKNOWN_CLIENT)
    if partner.role != Role.LP.value:
        raise ApiError(err.SSO_WRONG_ROLE)
    return partner


def check_signature(
    runtime: Runtime,
    lp: PartnerIdentity,
    *,
    timestamp: str | None,
    signature: str | None,
    path: str,
    raw_query: str,
) -> None:
    """Accept a generate-url signature once, within the timestamp window, else ERROAUTH4032."""
    ts, sig = (timestamp or "").strip(), (signature or "").strip()
    if not (ts and sig):
        raise ApiError(err.SSO_BAD_SIGNATURE, "X-Signature and X-Timestamp are required")
    # The integration surface has separate codes for a stale timestamp and a replay; SSO has one.
    try:
        check_timestamp(ts, runtime.settings.timestamp_tolerance_seconds)
    except ApiError as exc:
        raise ApiError(err.SSO_BAD_SIGNATURE, "timestamp outside the window") from exc
    if not rules.signature_matches(lp.sign_key, lp.client_code, ts, path, raw_query, sig):
        raise ApiError(err.SSO_BAD_SIGNATURE, "signature does not match")
    try:
        remember_signature(runtime, lp, sig)
    except ApiError as exc:
        raise ApiError(err.SSO_BAD_SIGNATURE, "signature already used") from exc


@dataclass(frozen=True)
class LoginRequest:
    """What the login URL carries, checked against the LP's registration."""

    lp: PartnerIdentity
    scopes: tuple[str, ...]
    state: str
    redirect_uri: str
    login_uri: str

    @property
    def scope(self) -> str:
        """The scopes as the space-joined text the portal uses."""
        return " ".join(self.scopes)


def _required(value: str | None) -> str:
    if value is None or not value.strip() or "\x00" in value:
        raise ApiError(err.SSO_BAD_REQUEST, "scope, state, redirect_uri and login_uri are required")
    return value


def login_request(
    session: Session,
    lp: PartnerIdentity,
    *,
    scope: str | None,
    state: str | None,
    redirect_uri: str | None,
    login_uri: str | None,
    client_id: str | None,
) -> LoginRequest:
    """Validate the parameters of a login for ``lp`` (missing, scope, client, registered URIs)."""
    scope, state = _required(scope), _required(state)
    redirect_uri, login_uri = _required(redirect_uri), _required(login_uri)
    scopes = rules.parse_scope(scope)
    if scopes is None:
        raise ApiError(err.SSO_BAD_REQUEST, "scope must be some of: name email prakerjaid notelp")
    if (
        len(state) > rules.MAX_STATE_LENGTH
        or max(len(redirect_uri), len(login_uri)) > MAX_URI_LENGTH
    ):
        raise ApiError(err.SSO_BAD_REQUEST, "a parameter is too long")
    if client_id is not None and client_id.strip() != lp.client_code:
        raise ApiError(err.SSO_UNKNOWN_CLIENT)
    registered = set(partners.registered_uris(session, lp.id))
    if redirect_uri not in registered or login_uri not in registered:
        raise ApiError(err.SSO_REDIRECT_NOT_REGISTERED)
    return LoginRequest(lp, scopes, state, redirect_uri, login_uri)


def login_url(base_url: str, login: LoginRequest) -> LoginUrlData:
    """The consent page URL the LP sends the participant's browser to."""
    query = rules.encode_query(
        [
            ("scope", login.scope),
            ("state", login.state),
            ("redirect_uri", login.redirect_uri),
            ("login_uri", login.login_uri),
            ("client_id", login.lp.client_code),
            ("client_name", login.lp.name),
        ]
    )
    return LoginUrlData(redirect_url=f"{base_url.rstrip('/')}{SSO_CONSENT_PATH}?{query}")


def consent_request(runtime: Runtime, session: Session, params: Mapping[str, str]) -> LoginRequest:
    """Validate the consent page's parameters (query or hidden form fields)."""
    if not params.get("client_id", "").strip() or not params.get("client_name", "").strip():
        # On the page the client comes from a parameter, and the portal marks both required.
        raise ApiError(err.SSO_BAD_REQUEST, "client_id and client_name are required")
    lp = lp_client(runtime, params["client_id"])
    return login_request(
        session,
        lp,
        scope=params.get("scope"),
        state=params.get("state"),
        redirect_uri=params.get("redirect_uri"),
        login_uri=params.get("login_uri"),
        client_id=None,
    )


def card_holder(session: Session, card_number: str) -> Beneficiary | None:
    """The beneficiary holding this Prakerja card number, if any."""
    number = card_number.strip()
    if not (number.isascii() and number.isdigit() and len(number) <= MAX_CARD_NUMBER_LENGTH):
        return None
    return session.scalar(
        select(Beneficiary)
        .join(Card, Card.beneficiary_id == Beneficiary.id)
        .where(Card.card_number == number)
    )


def grant(session: Session, login: LoginRequest, person: Beneficiary, now: datetime) -> str:
    """Issue a one-time code for the participant's consent; returns where to send the browser."""
    code = rules.new_secret()
    session.add(
        OAuthCode(
            code_hash=rules.digest(code),
            lp_id=login.lp.id,
            beneficiary_id=person.id,
            scope=login.scope,
            redirect_uri=login.redirect_uri,
            expires_at=rules.code_expiry(now),
            created_at=now,
        )
    )
    audit.record(
        session,
        "sso_consent",
        login.lp.client_code,
        "granted",
        PARTICIPANT,
        user_id=person.user_id,
        scope=login.scope,
    )
    return rules.with_query(login.redirect_uri, [("code", code), ("state", login.state)])


def deny(session: Session, login: LoginRequest) -> str:
    """Record a refusal; returns where to send the browser."""
    audit.record(
        session, "sso_consent", login.lp.client_code, "denied", PARTICIPANT, scope=login.scope
    )
    return rules.with_query(login.login_uri, [("error", "access_denied"), ("state", login.state)])


def _issue(
    session: Session,
    lp: PartnerIdentity,
    beneficiary_id: int,
    scope: str,
    settings: ServerSettings,
    now: datetime,
) -> TokenData:
    access, refresh = rules.new_secret(), rules.new_secret()
    expires_at = now + timedelta(seconds=settings.access_token_ttl_seconds)
    session.add(
        OAuthToken(
            access_hash=rules.digest(access),
            refresh_hash=rules.digest(refresh),
            lp_id=lp.id,
            beneficiary_id=beneficiary_id,
            scope=scope,
            expires_at=expires_at,
            refresh_expires_at=now + timedelta(seconds=settings.refresh_token_ttl_seconds),
            created_at=now,
        )
    )
    return TokenData(
        access_token=access,
        expires_in=rules.unix_seconds(expires_at),
        refresh_token=refresh,
        scope=scope,
    )


def exchange_code(
    session: Session, lp: PartnerIdentity, code: str, settings: ServerSettings, now: datetime
) -> TokenData:
    """Spend a code of this LP (once, before it expires) for an access and refresh token."""
    spent = session.execute(
        update(OAuthCode)
        .where(
            OAuthCode.code_hash == rules.digest(code),
            OAuthCode.lp_id == lp.id,
            OAuthCode.used_at.is_(None),
            OAuthCode.expires_at > now,
        )
        .values(used_at=now)
        .returning(OAuthCode.beneficiary_id, OAuthCode.scope)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if spent is None:
        raise ApiError(err.SSO_CODE_NOT_FOUND)
    tokens = _issue(session, lp, spent.beneficiary_id, spent.scope, settings, now)
    audit.record(session, "sso_token", lp.client_code, "issued", lp.client_code, scope=spent.scope)
    return tokens


def refresh(
    session: Session, lp: PartnerIdentity, token: str, settings: ServerSettings, now: datetime
) -> TokenData:
    """Rotate a refresh token of this LP: the old pair is revoked, a new pair issued."""
    old = session.execute(
        update(OAuthToken)
        .where(
            OAuthToken.refresh_hash == rules.digest(token),
            OAuthToken.lp_id == lp.id,
            OAuthToken.revoked_at.is_(None),
            OAuthToken.refresh_expires_at > now,
        )
        .values(revoked_at=now)
        .returning(OAuthToken.beneficiary_id, OAuthToken.scope)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if old is None:
        raise ApiError(err.SSO_REFRESH_NOT_FOUND)
    tokens = _issue(session, lp, old.beneficiary_id, old.scope, settings, now)
    audit.record(session, "sso_token", lp.client_code, "refreshed", lp.client_code, scope=old.scope)
    return tokens


def profile(
    session: Session, lp: PartnerIdentity, authorization: str | None, now: datetime
) -> ProfileData:
    """The participant's profile behind a live access token of this LP, limited to its scope."""
    token = rules.strip_bearer(authorization)
    if not token:
        raise ApiError(err.SSO_NO_USER)
    row = session.scalar(select(OAuthToken).where(OAuthToken.access_hash == rules.digest(token)))
    if row is None or row.lp_id != lp.id or row.revoked_at is not None or row.expires_at <= now:
        raise ApiError(err.SSO_NO_USER)
    person = session.get(Beneficiary, row.beneficiary_id)
    if person is None:  # the foreign key makes this impossible; fail closed all the same
        raise ApiError(err.SSO_NO_USER)
    card_number = session.scalar(select(Card.card_number).where(Card.beneficiary_id == person.id))
    dp_user_id = session.scalar(
        select(Transaction.user_platform_id)
        .join(Card, Card.id == Transaction.card_id)
        .where(Card.beneficiary_id == person.id, Transaction.status == PaymentStatus.SUCCESS.value)
        .order_by(Transaction.created_at.desc(), Transaction.id.desc())
        .limit(1)
    )
    fields = rules.filter_profile(
        {
            "dp_user_id": dp_user_id or "",
            "email": person.email,
            "name": person.name,
            "no_prakerja": card_number or "",
            "phone_number": person.phone_number,
            "user_id": person.user_id,
        },
        row.scope.split(),
    )
    return ProfileData(**fields)
