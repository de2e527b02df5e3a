"""The Prakerja-hosted verification page that ``oauth/url-generate`` links to.

The participant opens the link, sees who and what is being verified, and presses "Verifikasi"
or "Batal"; the browser then goes back to the LP's ``redirect_uri`` with ``redeem_code``,
``sequence`` and ``status`` in the query. The page is HTML, not part of the API documents.
"""

from __future__ import annotations

from html import escape
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from contract import errors as err
from contract.errors import ApiError
from reference_server.auth import RuntimeDep
from reference_server.services import attendance as service
from reference_server.storage.db import transaction
from reference_server.storage.tables import utcnow

router = APIRouter(include_in_schema=False)

PATH = "/verifikasi/{token}"
ACTIONS = {"approve": True, "reject": False}
MAX_FORM_FIELDS = 10
# The link is a bearer secret: keep it out of caches and Referer headers, and keep the buttons
# out of other sites' frames (clickjacking).
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "frame-ancestors 'none'; base-uri 'none'",
}
STYLE = (
    "body{font-family:system-ui,sans-serif;background:#f4f6f8;margin:0;padding:2rem 1rem}"
    "main{max-width:28rem;margin:auto;background:#fff;border-radius:8px;padding:1.5rem;"
    "box-shadow:0 1px 4px rgba(0,0,0,.12)}h1{font-size:1.25rem;margin-top:0}"
    "dt{color:#555;font-size:.85rem}dd{margin:0 0 .75rem;font-weight:600}"
    "form{display:flex;gap:.75rem}button{flex:1;padding:.7rem;border:0;border-radius:6px;"
    "font-size:1rem;cursor:pointer}.ok{background:#0b5ed7;color:#fff}.no{background:#e9ecef}"
    ".code{font-family:monospace;color:#b02a37}"
)


def _document(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="id"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )


def render_page(view: service.LinkView) -> str:
    """The verification page of one link."""
    rows = (
        ("Peserta", view.participant),
        ("Pelatihan", view.course),
        ("Tahap", view.stage),
        ("Lembaga pelatihan", view.provider),
    )
    facts = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in rows)
    body = (
        "<h1>Verifikasi kehadiran Kartu Prakerja</h1>"
        f"<dl>{facts}</dl>"
        '<form method="post">'
        '<button class="ok" type="submit" name="action" value="approve">Verifikasi</button>'
        '<button class="no" type="submit" name="action" value="reject">Batal</button>'
        "</form>"
    )
    return _document("Verifikasi kehadiran", body)


def render_error(error: ApiError) -> HTMLResponse:
    """An error page naming the catalogued code."""
    body = (
        "<h1>Verifikasi tidak dapat dilanjutkan</h1>"
        f"<p>{escape(error.message)}</p>"
        f'<p>Kode: <span class="code">{escape(error.error.code)}</span></p>'
    )
    return HTMLResponse(
        _document("Verifikasi gagal", body), status_code=error.error.http_status, headers=HEADERS
    )


async def form_fields(request: Request) -> dict[str, str]:
    """The url-encoded form body (the first value of each field); empty when unreadable."""
    try:
        text = (await request.body()).decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
    except (UnicodeDecodeError, ValueError):
        return {}
    fields: dict[str, str] = {}
    for key, value in pairs:
        fields.setdefault(key, value)
    return fields


Form = Annotated[dict[str, str], Depends(form_fields)]


@router.get(PATH, response_class=HTMLResponse)
def show(token: str, runtime: RuntimeDep) -> Response:
    """The page of a usable link; an error page when it is unknown, used or expired."""
    try:
        with transaction(runtime.sessions) as session:
            view = service.open_link(session, token, utcnow())
    except ApiError as exc:
        return render_error(exc)
    return HTMLResponse(render_page(view), headers=HEADERS)


@router.post(PATH)
def answer(token: str, form: Form, runtime: RuntimeDep) -> Response:
    """Record the participant's answer and send the browser back to the LP."""
    approve = ACTIONS.get(form.get("action", ""))
    if approve is None:
        return render_error(ApiError(err.BAD_REQUEST))
    try:
        with transaction(runtime.sessions) as session:
            back = service.decide(session, token, approve=approve, now=utcnow())
    except ApiError as exc:
        return render_error(exc)
    return RedirectResponse(back, status_code=303, headers=HEADERS)
