"""SSO: "Login dengan Prakerja" for training providers (LP), in the SSO envelope.

The LP asks for a login URL (signed GET), sends the participant's browser to the consent page,
gets a one-time ``code`` on its ``redirect_uri``, trades it for tokens and reads the profile.
Every SSO error is HTTP 400 in ``{"success": false, "code", "errorCode", "message"}``.
"""

from __future__ import annotations

from html import escape
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, ValidationError

from contract import errors as err
from contract.endpoints import (
    SSO_AUTHORIZE_PATH,
    SSO_CONSENT_PATH,
    SSO_PROFILE_PATH,
    SSO_REFRESH_PATH,
    SSO_TOKEN_PATH,
)
from contract.envelope import SsoEnvelope, SsoErrorEnvelope, sso_ok
from contract.errors import ApiError, ErrorCode
from contract.sso import LoginUrlData, ProfileData, RefreshRequest, TokenData, TokenRequest
from reference_server.auth import RuntimeDep
from reference_server.domain import sso as rules
from reference_server.runtime import PartnerIdentity
from reference_server.services import sso as service
from reference_server.services.sso import LoginRequest
from reference_server.storage.db import transaction
from reference_server.storage.tables import utcnow

router = APIRouter(tags=["sso"])

CLIENT_ERRORS = (err.SSO_NO_CLIENT_ID, err.SSO_UNKNOWN_CLIENT, err.SSO_WRONG_ROLE)
MAX_FORM_FIELDS = 32
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
PAGE_HEADERS = {
    **NO_STORE,
    # The page is self-contained: no scripts, no external resources, never framed
    # (clickjacking the "Izinkan" button), and the query (state) never leaks as a Referer.
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def sso_error_responses(codes: tuple[ErrorCode, ...]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI responses for catalogued SSO errors, grouped by HTTP status, one example each."""
    grouped: dict[int, list[ErrorCode]] = {}
    for code in dict.fromkeys(codes):
        grouped.setdefault(code.http_status, []).append(code)
    return {
        status: {
            "model": SsoErrorEnvelope,
            "description": "; ".join(f"`{c.code}`: {c.description}" for c in items),
            "content": {
                "application/json": {
                    "examples": {
                        c.code: {
                            "summary": c.description,
                            "value": {
                                "success": False,
                                "code": c.code,
                                "errorCode": c.code,
                                "message": c.message,
                            },
                        }
                        for c in items
                    }
                }
            },
        }
        for status, items in sorted(grouped.items())
    }


def json_request_body(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` documenting a JSON body that the route parses itself."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": model.model_json_schema()}},
        }
    }


# --- dependencies ---------------------------------------------------------------------------


def sso_client(
    runtime: RuntimeDep,
    x_client_id: Annotated[
        str | None,
        Header(alias="X-Client-Id", description="The LP's client_code (missing: ERROAUTH4024)."),
    ] = None,
) -> PartnerIdentity:
    """The LP named by ``X-Client-Id`` (ERROAUTH4024 / 4029 / 4035 otherwise)."""
    return service.lp_client(runtime, x_client_id)


SsoClient = Annotated[PartnerIdentity, Depends(sso_client)]


def signed_sso_client(
    request: Request,
    runtime: RuntimeDep,
    lp: SsoClient,
    x_signature: Annotated[
        str | None, Header(alias="X-Signature", description="HMAC-SHA1 hex, see above.")
    ] = None,
    x_timestamp: Annotated[
        str | None, Header(alias="X-Timestamp", description="Unix seconds, within ±300 s.")
    ] = None,
) -> PartnerIdentity:
    """The LP, after its generate-url signature was checked and remembered (ERROAUTH4032)."""
    service.check_signature(
        runtime,
        lp,
        timestamp=x_timestamp,
        signature=x_signature,
        path=SSO_AUTHORIZE_PATH,
        raw_query=request.url.query,  # exactly as sent: Starlette keeps the raw query string
    )
    return lp


SignedSsoClient = Annotated[PartnerIdentity, Depends(signed_sso_client)]


def _json_body(model: type[BaseModel]) -> Any:
    # The body is parsed whatever its Content-Type: `curl --data '{...}'` sends JSON labelled as
    # a form, and clients written against the real server may do the same.
    async def parse(request: Request) -> BaseModel:
        try:
            return model.model_validate_json(await request.body())
        except ValidationError:
            raise ApiError(err.SSO_BAD_REQUEST) from None

    return Depends(parse)


TokenBody = Annotated[TokenRequest, _json_body(TokenRequest)]
RefreshBody = Annotated[RefreshRequest, _json_body(RefreshRequest)]


async def form_fields(request: Request) -> dict[str, str] | None:
    """The urlencoded form of the consent page (first value of each field); None if unreadable."""
    try:
        text = (await request.body()).decode("utf-8")
        parsed = parse_qs(text, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
    except (UnicodeDecodeError, ValueError):
        return None
    return {key: values[0] for key, values in parsed.items()}


FormFields = Annotated[dict[str, str] | None, Depends(form_fields)]


# --- API ------------------------------------------------------------------------------------

AUTHORIZE_DESCRIPTION = """\
Returns the Prakerja login URL for a participant; redirect the browser to `data.redirect_url`.
Only training providers (LP) use SSO: `X-Client-Id` is the LP's `client_code`.

**Signature (sandbox decision; the portal does not publish the recipe for this GET).**
`X-Signature = hex(HMAC-SHA1(sign_key, X-Client-Id + X-Timestamp + "GET" + path + ""))`, lower-case,
with an empty body. `path` may be either the bare path `/api/v1/oauth/authorize` or the path with
the query string exactly as sent (`/api/v1/oauth/authorize?state=...&scope=...`); both are
accepted. Signing the query is safer (it binds the redirect URIs) and is recommended.
`X-Timestamp` is Unix seconds within ±300 s; each signature is accepted once.

`scope` is a space-separated subset of `name email prakerjaid notelp`. `redirect_uri` (success) and
`login_uri` (failure) must both be URIs the LP registered. `client_id`, when sent, must equal
`X-Client-Id`. Query values must be URL-encoded.
"""


@router.get(
    SSO_AUTHORIZE_PATH,
    summary="Generate URL Login: the Prakerja login URL for a participant",
    description=AUTHORIZE_DESCRIPTION,
    operation_id="sso_authorize",
    name="sso_authorize",
    response_model=SsoEnvelope[LoginUrlData],
    responses=sso_error_responses(
        (
            *CLIENT_ERRORS,
            err.SSO_BAD_SIGNATURE,
            err.SSO_BAD_REQUEST,
            err.SSO_REDIRECT_NOT_REGISTERED,
        )
    ),
)
def sso_authorize(
    request: Request,
    runtime: RuntimeDep,
    lp: SignedSsoClient,
    state: Annotated[str, Query(description="A value of the LP's choosing, echoed back.")],
    scope: Annotated[str, Query(description="Space-separated: name email prakerjaid notelp.")],
    redirect_uri: Annotated[str, Query(description="Registered LP callback on success.")],
    login_uri: Annotated[str, Query(description="Registered LP callback on failure.")],
    client_id: Annotated[str | None, Query(description="The LP's client_code.")] = None,
) -> dict[str, Any]:
    """Validate the login request and return the consent page URL."""
    with runtime.sessions() as session:
        login = service.login_request(
            session,
            lp,
            scope=scope,
            state=state,
            redirect_uri=redirect_uri,
            login_uri=login_uri,
            client_id=client_id,
        )
    return sso_ok(service.login_url(str(request.base_url), login).model_dump())


@router.post(
    SSO_TOKEN_PATH,
    summary="Create Token: trade the login code for tokens",
    description="Exchanges the one-time `code` appended to `redirect_uri` for an access token "
    "and a refresh token. A code works once, for the LP it was issued to, for 5 minutes. "
    "`expires_in` is the access token's expiry as a Unix timestamp in seconds (a string). "
    'The portal\'s refresh example posts `{"token": ...}` to this path, so such a body is '
    "treated as a refresh (see `/api/v1/oauth/token/refresh`). The body is read as JSON "
    "whatever its Content-Type.",
    operation_id="sso_create_token",
    name="sso_create_token",
    response_model=SsoEnvelope[TokenData],
    responses=sso_error_responses(
        (*CLIENT_ERRORS, err.SSO_BAD_REQUEST, err.SSO_CODE_NOT_FOUND, err.SSO_REFRESH_NOT_FOUND)
    ),
    openapi_extra=json_request_body(TokenRequest),
)
def sso_create_token(
    response: Response, runtime: RuntimeDep, lp: SsoClient, body: TokenBody
) -> dict[str, Any]:
    """Issue tokens for a code, or rotate a refresh token sent as ``token``."""
    code, token = body.code, body.token
    if (code is None) == (token is None):
        raise ApiError(err.SSO_BAD_REQUEST, "send exactly one of code or token")
    response.headers.update(NO_STORE)
    now = utcnow()
    with transaction(runtime.sessions) as session:
        if code is not None:
            tokens = service.exchange_code(session, lp, code, runtime.settings, now)
        elif token is not None:
            tokens = service.refresh(session, lp, token, runtime.settings, now)
    return sso_ok(tokens.model_dump())


@router.post(
    SSO_REFRESH_PATH,
    summary="Refresh Token: a new token pair for a refresh token",
    description="Rotates tokens: returns a new access and refresh token and revokes the old pair "
    "(the old access token stops working too). A refresh token works once.",
    operation_id="sso_refresh_token",
    name="sso_refresh_token",
    response_model=SsoEnvelope[TokenData],
    responses=sso_error_responses((*CLIENT_ERRORS, err.SSO_BAD_REQUEST, err.SSO_REFRESH_NOT_FOUND)),
    openapi_extra=json_request_body(RefreshRequest),
)
def sso_refresh_token(
    response: Response, runtime: RuntimeDep, lp: SsoClient, body: RefreshBody
) -> dict[str, Any]:
    """Rotate a refresh token."""
    response.headers.update(NO_STORE)
    with transaction(runtime.sessions) as session:
        tokens = service.refresh(session, lp, body.token, runtime.settings, utcnow())
    return sso_ok(tokens.model_dump())


@router.get(
    SSO_PROFILE_PATH,
    summary="Get Profile: the participant's Prakerja profile",
    description="Reads the profile behind an access token of this LP. `Authorization` carries "
    "the token raw (as the portal's example shows) or as `Bearer <token>`; both are accepted. "
    "Fields outside the granted scope are empty strings (`name` needs `name`, `email` needs "
    "`email`, `no_prakerja` needs `prakerjaid`, `phone_number` needs `notelp`); `user_id` and "
    "`dp_user_id` (the buyer's id on the DP of the latest successful purchase, empty if none) "
    "are always returned.",
    operation_id="sso_user_profile",
    name="sso_user_profile",
    response_model=SsoEnvelope[ProfileData],
    responses=sso_error_responses((*CLIENT_ERRORS, err.SSO_NO_USER)),
)
def sso_user_profile(
    response: Response,
    runtime: RuntimeDep,
    lp: SsoClient,
    authorization: Annotated[
        str | None,
        Header(alias="Authorization", description="The access token, raw or as `Bearer <token>`."),
    ] = None,
) -> dict[str, Any]:
    """The profile, limited to the token's scope."""
    response.headers.update(NO_STORE)
    with runtime.sessions() as session:
        data = service.profile(session, lp, authorization, utcnow())
    return sso_ok(data.model_dump())


# --- the participant's browser pages --------------------------------------------------------

HIDDEN_FIELDS = ("scope", "state", "redirect_uri", "login_uri", "client_id", "client_name")

STYLE = """
body{font-family:system-ui,sans-serif;background:#f4f6f8;color:#1b2733;margin:0}
main{max-width:28rem;margin:3rem auto;background:#fff;padding:2rem;border-radius:.75rem;
box-shadow:0 1px 4px rgba(0,0,0,.12)}
h1{font-size:1.35rem;margin-top:0}h2{font-size:1.05rem;margin-bottom:.4rem}
.note{background:#fff8e1;border:1px solid #f0d57a;padding:.6rem .8rem;border-radius:.4rem;font-size:.9rem}
.error{background:#fdecea;border:1px solid #f5b5ae;padding:.6rem .8rem;border-radius:.4rem}
label{display:block;margin-bottom:.3rem}
input[type=text]{width:100%;box-sizing:border-box;padding:.55rem;font-size:1rem}
.actions{display:flex;gap:.75rem;margin-top:1.5rem}
button{flex:1;padding:.65rem;font-size:1rem;border-radius:.4rem;border:1px solid #0b5cad;cursor:pointer}
button.allow{background:#0b5cad;color:#fff}button.deny{background:#fff;color:#0b5cad}
code{font-size:1rem}
"""


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    html = (
        '<!doctype html><html lang="id"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )
    return HTMLResponse(html, status_code=status, headers=PAGE_HEADERS)


def error_page(exc: ApiError) -> HTMLResponse:
    """A 400 page naming the error; the browser is never sent to an unchecked URI."""
    body = (
        "<h1>Permintaan login tidak valid</h1>"
        f'<p class="error">Kode kesalahan: <code>{escape(exc.error.code)}</code><br>'
        f"{escape(exc.error.description)}</p>"
        "<p>Anda tidak dialihkan ke aplikasi lembaga pelatihan karena permintaannya tidak valid. "
        "Tutup halaman ini dan coba login lagi dari aplikasi lembaga pelatihan.</p>"
    )
    return _page("Login Prakerja: permintaan tidak valid", body, status=exc.error.http_status)


def consent_page(login: LoginRequest, *, card_number: str = "", error: str = "") -> HTMLResponse:
    """The sandbox login and the consent, on one page."""
    hidden = {
        "scope": login.scope,
        "state": login.state,
        "redirect_uri": login.redirect_uri,
        "login_uri": login.login_uri,
        "client_id": login.lp.client_code,
        "client_name": login.lp.name,
    }
    fields = "".join(
        f'<input type="hidden" name="{name}" value="{escape(hidden[name])}">'
        for name in HIDDEN_FIELDS
    )
    scopes = "".join(f"<li>{escape(rules.SCOPE_LABELS[s])}</li>" for s in login.scopes)
    lp_name = escape(login.lp.name)
    alert = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    body = (
        "<h1>Login dengan akun Prakerja</h1>"
        '<p class="note">Ini adalah <strong>sandbox</strong>: tidak ada kata sandi. Masukkan nomor '
        "Kartu Prakerja peserta uji untuk masuk sebagai peserta tersebut.</p>"
        f"{alert}"
        f'<form method="post" action="{escape(SSO_CONSENT_PATH)}">{fields}'
        "<section><h2>Login Needed: masuk</h2>"
        '<label for="card_number">Nomor Kartu Prakerja</label>'
        '<input type="text" id="card_number" name="card_number" inputmode="numeric" '
        f'autocomplete="off" maxlength="16" required value="{escape(card_number)}"></section>'
        "<section><h2>Consent Needed: persetujuan</h2>"
        f"<p><strong>{lp_name}</strong> meminta izin untuk mengakses data akun Prakerja Anda:</p>"
        f"<ul>{scopes}</ul></section>"
        '<div class="actions">'
        '<button class="allow" type="submit" name="action" value="allow">Izinkan</button>'
        '<button class="deny" type="submit" name="action" value="deny" formnovalidate>Tolak</button>'
        "</div></form>"
    )
    return _page(f"Login Prakerja: {login.lp.name}", body)


@router.get(SSO_CONSENT_PATH, include_in_schema=False)
def sso_consent_page(request: Request, runtime: RuntimeDep) -> Response:
    """The page the login URL points at: sandbox login and consent."""
    with runtime.sessions() as session:
        try:
            login = service.consent_request(runtime, session, request.query_params)
        except ApiError as exc:
            return error_page(exc)
    return consent_page(login)


@router.post(SSO_CONSENT_PATH, include_in_schema=False)
def sso_consent_submit(runtime: RuntimeDep, form: FormFields) -> Response:
    """The participant's answer: a code to ``redirect_uri``, or an error to ``login_uri``."""
    if form is None:
        return error_page(ApiError(err.SSO_BAD_REQUEST))
    with transaction(runtime.sessions) as session:
        try:
            login = service.consent_request(runtime, session, form)
        except ApiError as exc:
            return error_page(exc)
        action = form.get("action", "")
        if action == "deny":
            location = service.deny(session, login)
        elif action == "allow":
            card_number = form.get("card_number", "")
            person = service.card_holder(session, card_number)
            if person is None:
                return consent_page(
                    login,
                    card_number=card_number.strip()[:16],
                    error="Nomor Kartu Prakerja tidak ditemukan. Periksa kembali nomornya.",
                )
            location = service.grant(session, login, person, utcnow())
        else:
            return error_page(ApiError(err.SSO_BAD_REQUEST, "action must be allow or deny"))
    return RedirectResponse(location, status_code=303, headers=NO_STORE)
