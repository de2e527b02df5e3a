"""Partner credentials for simulators run from the command line: what ``prakerja partners add
--json`` prints, one partner a line (or a JSON list of the same objects).

    prakerja partners add --role dp --name Tokopedia --json >> platforms.jsonl
    prakerja partners add --role dp --name Bukalapak --json >> platforms.jsonl
    prakerja platforms serve --credentials platforms.jsonl
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class CredentialsError(ValueError):
    """A credentials file that cannot be used; the message says where and why."""


@dataclass(frozen=True)
class PartnerCredentials:
    """One partner's identity at the sandbox."""

    client_code: str
    sign_key: str
    name: str
    role: str | None = None


def _one(item: Any, where: str) -> PartnerCredentials:
    if not isinstance(item, dict):
        raise CredentialsError(f"{where}: expected a JSON object")
    code, key = item.get("client_code"), item.get("sign_key")
    if not (isinstance(code, str) and code and isinstance(key, str) and key):
        raise CredentialsError(f"{where}: client_code and sign_key are required")
    name = item.get("name")
    role = item.get("role")
    return PartnerCredentials(
        client_code=code,
        sign_key=key,
        name=name if isinstance(name, str) and name else code,
        role=role if isinstance(role, str) else None,
    )


def load(path: Path, *, role: str) -> list[PartnerCredentials]:
    """The partners in ``path``, all of ``role`` (a partner of another role is refused)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CredentialsError(f"{path}: {exc.strerror or exc}") from None
    found: list[PartnerCredentials] = []
    stripped = text.strip()
    try:
        if stripped.startswith("["):
            items = json.loads(stripped)
            found = [_one(item, f"{path} item {i + 1}") for i, item in enumerate(items)]
        else:
            for number, line in enumerate(text.splitlines(), start=1):
                if line.strip():
                    found.append(_one(json.loads(line), f"{path} line {number}"))
    except json.JSONDecodeError as exc:
        raise CredentialsError(f"{path}: not JSON ({exc.msg}, line {exc.lineno})") from None
    if not found:
        raise CredentialsError(f"{path}: no partners in it")
    wrong = [c.client_code for c in found if c.role is not None and c.role != role]
    if wrong:
        raise CredentialsError(f"{path}: not {role} partners: {', '.join(wrong)}")
    codes = [c.client_code for c in found]
    if len(codes) != len(set(codes)):
        raise CredentialsError(f"{path}: a client_code appears twice")
    return found
