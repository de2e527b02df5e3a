"""Sign keys at rest: encrypted with the server's Fernet key, never stored or logged in clear."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from reference_server.settings import ServerSettings


def new_sign_key() -> str:
    """A fresh sign key for a partner (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def new_client_code(role: str) -> str:
    """A fresh client code: role prefix and random hex."""
    return f"{role}-{secrets.token_hex(6)}"


def load_fernet(settings: ServerSettings) -> Fernet:
    """The key from settings, or (SQLite only) from a file beside the database, made on first use."""
    if settings.secret_key:
        return Fernet(settings.secret_key.encode())
    path = settings.secret_key_file()
    if not path.exists():
        _write_private(path, Fernet.generate_key().decode())
    return Fernet(path.read_text().strip().encode())


def _write_private(path: Path, content: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return
    with os.fdopen(fd, "w") as handle:
        handle.write(content)


class KeyBox:
    """Encrypts and decrypts sign keys."""

    def __init__(self, fernet: Fernet) -> None:
        self._fernet = fernet

    def seal(self, sign_key: str) -> str:
        """Encrypt a sign key for storage."""
        return self._fernet.encrypt(sign_key.encode()).decode()

    def open(self, sealed: str) -> str:
        """Decrypt a stored sign key; a wrong server key is a configuration error."""
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken as exc:
            raise RuntimeError(
                "cannot decrypt a stored sign key: PRAKERJA_SECRET_KEY differs from the one "
                "the partner was created with"
            ) from exc
