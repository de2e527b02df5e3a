"""Partner registration: issue credentials, register redirect URIs, seed the partner's fixtures."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from contract.endpoints import Role
from reference_server import audit, fixtures
from reference_server.keys import KeyBox, new_client_code, new_sign_key
from reference_server.storage.tables import Partner, PartnerRedirectUri


@dataclass(frozen=True)
class Credentials:
    """What a new partner receives once; the sign key is not shown again."""

    client_code: str
    sign_key: str
    role: str
    name: str
    redirect_uris: tuple[str, ...]


def add_partner(
    session: Session,
    keys: KeyBox,
    *,
    role: Role,
    name: str,
    redirect_uris: tuple[str, ...] = (),
    client_code: str | None = None,
    actor: str = "pmo-cli",
) -> Credentials:
    """Register a partner, issue its credentials and seed its fixtures."""
    name = name.strip()
    if not name:
        raise ValueError("name must not be empty")
    code = client_code or new_client_code(role.value)
    if session.scalar(select(Partner.id).where(Partner.client_code == code)) is not None:
        raise ValueError(f"client_code {code!r} is taken")
    sign_key = new_sign_key()
    partner = Partner(
        client_code=code, name=name, role=role.value, sign_key_enc=keys.seal(sign_key)
    )
    session.add(partner)
    session.flush()
    for uri in dict.fromkeys(redirect_uris):
        session.add(PartnerRedirectUri(partner_id=partner.id, uri=uri))
    audit.record(session, "partner", code, "created", actor, role=role.value, name=name)
    fixtures.ensure_partner_fixtures(session, partner)
    return Credentials(code, sign_key, role.value, name, tuple(dict.fromkeys(redirect_uris)))


def add_redirect_uri(session: Session, client_code: str, uri: str, actor: str = "pmo-cli") -> None:
    """Register one more redirect URI for an LP."""
    partner = session.scalars(
        select(Partner).where(Partner.client_code == client_code)
    ).one_or_none()
    if partner is None:
        raise ValueError(f"unknown client_code {client_code!r}")
    exists = session.scalar(
        select(PartnerRedirectUri.id).where(
            PartnerRedirectUri.partner_id == partner.id, PartnerRedirectUri.uri == uri
        )
    )
    if exists is None:
        session.add(PartnerRedirectUri(partner_id=partner.id, uri=uri))
        audit.record(session, "partner", client_code, "redirect_uri_added", actor, uri=uri)


def redirect_uris(session: Session, partner_id: int) -> list[str]:
    """The URIs an LP registered."""
    return list(
        session.scalars(
            select(PartnerRedirectUri.uri).where(PartnerRedirectUri.partner_id == partner_id)
        )
    )


def list_partners(session: Session) -> list[dict[str, object]]:
    """Every partner, without secrets."""
    rows = session.scalars(select(Partner).order_by(Partner.id)).all()
    return [
        {
            "client_code": p.client_code,
            "name": p.name,
            "role": p.role,
            "active": p.active,
            "builtin": p.builtin,
            "redirect_uris": redirect_uris(session, p.id),
            "created_at": p.created_at.isoformat(),
        }
        for p in rows
    ]
