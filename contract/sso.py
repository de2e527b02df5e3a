"""SSO messages: login URL, token, refresh, profile (``X-Client-Id`` headers, own envelope)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from contract.types import Code

SCOPES = ("name", "email", "prakerjaid", "notelp")


class Request(BaseModel):
    model_config = ConfigDict(extra="ignore")


class LoginUrlData(BaseModel):
    redirect_url: str = Field(description="Send the participant's browser here.")


class TokenRequest(Request):
    code: Code | None = Field(default=None, description="The code appended to redirect_uri.")
    token: Code | None = Field(
        default=None,
        description="A refresh token. The portal's refresh page posts to /oauth/token, so a "
        "body with `token` there is treated as a refresh.",
    )


class RefreshRequest(Request):
    token: Code = Field(description="The refresh_token from create-token.")


class TokenData(BaseModel):
    access_token: str
    expires_in: str = Field(description="Expiry as a Unix timestamp in seconds (a string).")
    refresh_token: str
    scope: str
    token_type: Literal["Bearer"] = "Bearer"


class ProfileData(BaseModel):
    dp_user_id: str
    email: str
    name: str
    no_prakerja: str
    phone_number: str
    user_id: str
