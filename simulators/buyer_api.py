"""What the buyer-side APIs of the partner simulators share: errors in the envelope, refusals as
buyer-facing failures, masking.

A buyer's own mistake (malformed body, unknown checkout) is a 4xx in the integration envelope
with a ``BuyerReason`` as its ``code``; a refusal by Prakerja is not an HTTP error of the buyer
API but a ``Failure`` inside the resource (the checkout or enrolment exists; the step failed).
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from contract import errors as err
from contract.buyer import BuyerReason, Failure
from simulators.outbound import Answer, Outcome

_MAX_MESSAGE = 500

# Refusals that say the partner's own integration is broken, not the buyer's order.
PARTNER_ERRORS = frozenset(
    {
        err.MISSING_HEADERS.code,
        err.UNKNOWN_CLIENT.code,
        err.BAD_SIGNATURE.code,
        err.BAD_TIMESTAMP.code,
        err.REPLAYED.code,
        err.WRONG_ROLE.code,
        err.BAD_REQUEST.code,
        err.REDIRECT_URI_NOT_REGISTERED.code,
        err.SCOPE_SEQUENCE_MISMATCH.code,
        err.SEQUENCE_INVALID.code,  # a stage the course does not have: the LP's own mistake
        err.SUBMISSION_NOT_FOUND.code,  # feedback before the submission: the LP's own mistake
        err.CERTIFICATE_NUMBER_TAKEN.code,
        err.TRANSACTION_NOT_FOUND.code,  # a void with codes that are not the purchase's
    }
)

BUSY_MESSAGE = "Layanan Prakerja sedang sibuk. Silakan coba lagi dalam {seconds} detik."
UNAVAILABLE_MESSAGE = (
    "Layanan Prakerja tidak dapat dihubungi saat ini. Tidak ada saldo yang terpotong dua kali; "
    "silakan coba lagi nanti."
)
PARTNER_MESSAGE = "Terjadi gangguan pada sistem mitra ({code}). Tim kami sedang menanganinya."


class BuyerError(Exception):
    """A buyer request that cannot go through (4xx, or 502/503 when Prakerja could not be used),
    in the envelope; ``prakerja_code`` and ``retry_after`` ride along when Prakerja said no."""

    def __init__(
        self,
        status: int,
        reason: BuyerReason,
        message: str,
        *,
        prakerja_code: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.message = message
        self.prakerja_code = prakerja_code
        self.retry_after = retry_after

    @classmethod
    def of(cls, problem: Failure, status: int = 409) -> BuyerError:
        """A failure as the error of the request: 503 busy, 502 when Prakerja could not be
        used, else ``status``."""
        if problem.reason is BuyerReason.BUSY:
            status = 503
        elif problem.reason in (BuyerReason.UNAVAILABLE, BuyerReason.PARTNER_ERROR):
            status = 502
        return cls(
            status,
            problem.reason,
            problem.message,
            prakerja_code=problem.prakerja_code,
            retry_after=problem.retry_after,
        )


def not_found(what: str) -> BuyerError:
    """404 for an unknown checkout, invoice, enrolment or certificate."""
    return BuyerError(404, BuyerReason.NOT_FOUND, f"{what} tidak ditemukan.")


def conflict(message: str) -> BuyerError:
    """409: the step does not fit where the resource stands."""
    return BuyerError(409, BuyerReason.CONFLICT, message)


def _envelope(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"success": False, "code": code, "message": message}, status_code=status)


def install_errors(app: FastAPI) -> None:
    """Render every error of a buyer API in the envelope, never a bare 500 page."""

    @app.exception_handler(BuyerError)
    async def buyer_error(request: Request, exc: BuyerError) -> JSONResponse:
        response = _envelope(exc.status, exc.reason.value, exc.message)
        if exc.prakerja_code is not None or exc.retry_after is not None:
            body = {
                "success": False,
                "code": exc.reason.value,
                "message": exc.message,
                "prakerja_code": exc.prakerja_code,
                "retry_after": exc.retry_after,
            }
            response = JSONResponse(body, status_code=exc.status)
        if exc.retry_after is not None:
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        parts = []
        for error in exc.errors():
            where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("body", "query"))
            parts.append(f"{where or 'body'}: {error.get('msg', 'invalid')}")
        message = "; ".join(parts)[:_MAX_MESSAGE] or "The request is malformed."
        return _envelope(400, BuyerReason.INVALID_REQUEST.value, message)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        reason = BuyerReason.NOT_FOUND if exc.status_code == 404 else BuyerReason.INVALID_REQUEST
        return _envelope(exc.status_code, reason.value, str(exc.detail))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        return _envelope(500, "internal", "The simulator failed; this is a bug.")


def failure(
    answer: Answer, refusals: Mapping[str, tuple[BuyerReason, str]], default: BuyerReason
) -> Failure:
    """What the buyer is told about an answer that was not a success.

    ``refusals`` maps catalogued codes to a reason and a message; a busy Prakerja says when to
    come back; no answer, or a refusal of the partner's own call, says so without blaming the
    buyer; any other refusal is ``default`` with Prakerja's own message.
    """
    if answer.outcome is Outcome.BUSY:
        seconds = answer.retry_after or 1
        return Failure(
            reason=BuyerReason.BUSY,
            message=BUSY_MESSAGE.format(seconds=seconds),
            prakerja_code=answer.code,
            retry_after=seconds,
        )
    if answer.outcome is Outcome.UNAVAILABLE:
        return Failure(
            reason=BuyerReason.UNAVAILABLE, message=UNAVAILABLE_MESSAGE, prakerja_code=answer.code
        )
    code = answer.code
    if code is not None and code in refusals:
        reason, message = refusals[code]
        return Failure(reason=reason, message=message, prakerja_code=code)
    if code is None or code in PARTNER_ERRORS or code.startswith("ERRGEN"):
        return Failure(
            reason=BuyerReason.PARTNER_ERROR,
            message=PARTNER_MESSAGE.format(code=code or answer.status),
            prakerja_code=code,
        )
    message = str(answer.payload.get("message") or "Permintaan ditolak oleh Prakerja.")
    return Failure(reason=default, message=message[:_MAX_MESSAGE], prakerja_code=code)


def mask_card(number: str) -> str:
    """``9123456789012345`` → ``************2345``."""
    return "*" * max(len(number) - 4, 0) + number[-4:]


def mask_email(email: str) -> str:
    """``budi.santoso@mail.id`` → ``b***@mail.id``."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"
