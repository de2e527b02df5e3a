"""The programme office's certificate key: Ed25519, made once per database, sealed at rest.

The private half is Fernet-sealed like the partners' sign keys and never leaves the server; the
public half is published (``GET /api/v1/certification/public-key``) so that anyone can verify a
certificate offline. Several server processes share one key: the first to need it inserts it
under a unique purpose, the others read that one.
"""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from contract.certification import CertificateBody, key_id, signed_bytes
from reference_server.keys import KeyBox
from reference_server.storage.db import transaction
from reference_server.storage.tables import SigningKey

CERTIFICATES = "certificates"


class OfficeKey:
    """The loaded key: signs certificate bodies."""

    def __init__(self, private: Ed25519PrivateKey) -> None:
        self._private = private
        raw = private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        self.public_key = base64.b64encode(raw).decode()
        self.key_id = key_id(self.public_key)

    def sign(self, body: CertificateBody) -> str:
        """Base64 Ed25519 signature of the body's canonical bytes."""
        return base64.b64encode(self._private.sign(signed_bytes(body))).decode()

    def __repr__(self) -> str:  # never print the key
        return f"OfficeKey(key_id={self.key_id!r})"


def _load(row: SigningKey, keys: KeyBox) -> OfficeKey:
    raw = base64.b64decode(keys.open(row.private_key_enc))
    return OfficeKey(Ed25519PrivateKey.from_private_bytes(raw))


def office_key(sessions: sessionmaker[Session], keys: KeyBox) -> OfficeKey:
    """The office's certificate key, made and stored on first use."""
    with sessions() as session:
        row = session.scalar(select(SigningKey).where(SigningKey.purpose == CERTIFICATES))
        if row is not None:
            return _load(row, keys)
    private = Ed25519PrivateKey.generate()
    made = OfficeKey(private)
    raw = private.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    try:
        with transaction(sessions) as session:
            session.add(
                SigningKey(
                    purpose=CERTIFICATES,
                    key_id=made.key_id,
                    public_key=made.public_key,
                    private_key_enc=keys.seal(base64.b64encode(raw).decode()),
                )
            )
    except IntegrityError:  # another process stored one first: use that
        with sessions() as session:
            stored = session.scalars(
                select(SigningKey).where(SigningKey.purpose == CERTIFICATES)
            ).one()
            return _load(stored, keys)
    return made
