"""The training provider simulator's app: its published courses, and the participant's side.

Routes (the participant's browser, or whoever acts as it):

- ``GET /courses?platform=<client_code>``: the courses it teaches, as a platform that carries
  it submits them (in that platform's own codes);
- ``POST /enrolments`` ``{redeem_code, email}``: redeem a code; the answer's ``next`` links to
  Prakerja's verification page;
- ``GET /callback?redeem_code=&sequence=&status=``: where that page sends the browser back
  (the provider's registered ``redirect_uri``); the stage is recorded once Prakerja confirms it;
- ``GET /enrolments/{code}``, ``POST /enrolments/{code}/attend`` (the next session),
  ``POST /enrolments/{code}/assignments`` (the assignment due), ``POST
  /enrolments/{code}/post-test``; ``GET /certificates/{number}``; ``GET /files/…`` (the work a
  participant uploaded).

Every step answers the ``Enrolment`` (``contract.buyer``), whose ``next`` says what to do next.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import FastAPI, Query, Request
from fastapi.responses import PlainTextResponse
from starlette.types import Scope

from contract import buyer
from contract.catalogue import PublicCode
from contract.types import Code
from simulators.buyer_api import install_errors
from simulators.framework.app import directives, simulator_app
from simulators.framework.registry import SimConfig, SimulatorKind
from simulators.outbound import Caller, Calls, Flaws
from simulators.provider import courses as catalogue
from simulators.provider.classroom import CALLBACK_PATH, Behaviour, Classroom
from simulators.provider.courses import info_of

DEFAULT_COURSES = 3


def _subject(scope: Scope) -> bool:
    """Every POST, and the callback the browser comes back to (both misbehave on request)."""
    return bool(scope["method"] == "POST" or scope["path"] == CALLBACK_PATH)


def _required(config: SimConfig) -> tuple[str, str, str]:
    if not (config.sandbox_url and config.client_code and config.sign_key):
        raise ValueError("a training provider needs sandbox_url, client_code and sign_key")
    return config.sandbox_url, config.client_code, config.sign_key


def create_app(
    kind: SimulatorKind, config: SimConfig, behaviour: Behaviour, flaws: Flaws
) -> FastAPI:
    """One provider instance (``config.options``: name, seed, courses, public_url)."""
    _, client_code, sign_key = _required(config)
    options = config.options
    name = str(options.get("name") or config.instance)
    seed = int(options.get("seed", config.profile.seed or 0))
    public_url = options.get("public_url")
    published = catalogue.definitions(
        client_code,
        seed=seed,
        count=int(options.get("courses", DEFAULT_COURSES)),
        today=date.today(),
    )
    taught = {c.course_code: c for c in catalogue.fixture_courses(client_code)}
    taught.update({c.course_code: info_of(c) for c in published})

    app = simulator_app(
        kind,
        config,
        title=f"Training provider simulator: {name}",
        description=__doc__ or "",
        subject=_subject,
    )
    install_errors(app)
    classroom = Classroom(
        client_code=client_code,
        name=name,
        caller=Caller(app.state.sim.http, client_code, sign_key, flaws=flaws),
        courses=taught,
        seed=seed,
        behaviour=behaviour,
    )
    app.state.classroom = classroom

    def base(request: Request) -> str:
        return str(public_url) if public_url else str(request.base_url).rstrip("/")

    def calls(request: Request) -> Calls:
        return classroom.caller.calls(directives(request))

    @app.get("/courses", response_model=buyer.ProviderCourses)
    async def courses(
        platform: Annotated[
            PublicCode | None,
            Query(description="A platform's client_code: the courses in its own codes."),
        ] = None,
    ) -> buyer.ProviderCourses:
        """The courses this provider teaches, as a platform submits them to the catalogue."""
        listed = published if platform is None else catalogue.for_platform(published, platform)
        return buyer.ProviderCourses(
            provider=buyer.PartnerRef(client_code=client_code, name=name), courses=listed
        )

    @app.post("/enrolments", response_model=buyer.Enrolment)
    async def enrol(body: buyer.EnrolRequest, request: Request) -> buyer.Enrolment:
        """Redeem a code: the answer links to Prakerja's verification page for stage 1."""
        return await classroom.enrol(calls(request), body, base(request))

    @app.get("/enrolments/{redeem_code}", response_model=buyer.Enrolment)
    async def enrolment(redeem_code: str, request: Request) -> buyer.Enrolment:
        """Where the participant stands."""
        return await classroom.refresh(calls(request), redeem_code, base(request))

    @app.get(CALLBACK_PATH, response_model=buyer.Enrolment)
    async def callback(
        request: Request,
        redeem_code: Annotated[Code, Query()],
        sequence: Annotated[int, Query(ge=1, le=999)],
        status: Annotated[str, Query(max_length=16)],
    ) -> buyer.Enrolment:
        """Prakerja's verification page sends the browser back here."""
        return await classroom.callback(
            calls(request), redeem_code, sequence, status, base(request)
        )

    @app.post("/enrolments/{redeem_code}/attend", response_model=buyer.Enrolment)
    async def attend(redeem_code: str, request: Request) -> buyer.Enrolment:
        """A verification link for the next session."""
        return await classroom.attend(calls(request), redeem_code, base(request))

    @app.post("/enrolments/{redeem_code}/assignments", response_model=buyer.Enrolment)
    async def assignment(
        redeem_code: str, request: Request, body: buyer.AssignmentRequest | None = None
    ) -> buyer.Enrolment:
        """Send the assignment that is due; the provider reviews it."""
        url_file = body.url_file if body is not None else None
        return await classroom.submit(calls(request), redeem_code, url_file, base(request))

    @app.post("/enrolments/{redeem_code}/post-test", response_model=buyer.Enrolment)
    async def post_test(redeem_code: str, request: Request) -> buyer.Enrolment:
        """Take the post-test; the answer links to its verification (stage 999)."""
        return await classroom.post_test(calls(request), redeem_code, base(request))

    @app.get("/certificates/{number}", response_model=buyer.CertificateView)
    async def certificate(number: str) -> buyer.CertificateView:
        """A certificate this provider issued."""
        return classroom.certificate(number)

    @app.get("/files/{redeem_code}/{name}", response_class=PlainTextResponse)
    async def file(redeem_code: str, name: str) -> str:
        """The work a participant uploaded (the provider's own storage)."""
        return f"# {name}\n\nHasil kerja peserta dengan kode redeem {redeem_code}.\n"

    return app
