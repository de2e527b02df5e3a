"""The response envelopes: integration APIs and the SSO APIs use different ones.

Integration success: ``{"success": true, "message": "...", "data": {...}}`` (void has no data).
Integration error:   ``{"success": false, "code": "ERR...", "message": "..."}``.
SSO success: ``{"message": "no error", "success": true, "errorCode": "0", "data": {...}}``.
SSO error:   ``{"success": false, "code": "ERROAUTH...", "errorCode": "ERROAUTH...", "message": ...}``
(the portal's error examples use ``code`` while its success examples use ``errorCode``; errors
carry both so a client that reads either key works).
"""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

DataT = TypeVar("DataT")


class Envelope(BaseModel, Generic[DataT]):
    """A successful integration response."""

    model_config = ConfigDict(extra="forbid")

    success: Literal[True] = True
    message: str = Field(examples=["OK"])
    data: DataT


class MessageEnvelope(BaseModel):
    """A successful integration response that carries no data (void)."""

    model_config = ConfigDict(extra="forbid")

    success: Literal[True] = True
    message: str = Field(examples=["Transaksi berhasil dibatalkan."])


class ErrorEnvelope(BaseModel):
    """A failed integration response; ``code`` is one of the error catalogue."""

    model_config = ConfigDict(extra="forbid")

    success: Literal[False] = False
    code: str = Field(pattern=r"^ERR[A-Z]+\d+$", examples=["ERRVOD40001"])
    message: str = Field(examples=["Kode transaksi tidak ditemukan."])


class SsoEnvelope(BaseModel, Generic[DataT]):
    """A successful SSO response."""

    model_config = ConfigDict(extra="forbid")

    message: Literal["no error"] = "no error"
    success: Literal[True] = True
    errorCode: Literal["0"] = "0"  # noqa: N815 - the portal's key
    data: DataT


class SsoErrorEnvelope(BaseModel):
    """A failed SSO response."""

    model_config = ConfigDict(extra="forbid")

    success: Literal[False] = False
    code: str = Field(pattern=r"^ERR[A-Z]+\d+$", examples=["ERROAUTH4024"])
    errorCode: str = Field(pattern=r"^ERR[A-Z]+\d+$", examples=["ERROAUTH4024"])  # noqa: N815
    message: str = Field(examples=["Unauthorized"])


def ok(data: Any, message: str = "OK") -> dict[str, Any]:
    """Render an integration success body."""
    return {"success": True, "message": message, "data": data}


def sso_ok(data: Any) -> dict[str, Any]:
    """Render an SSO success body."""
    return {"message": "no error", "success": True, "errorCode": "0", "data": data}
