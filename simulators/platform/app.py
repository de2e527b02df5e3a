"""The digital platform simulator's app: the buyer's side of a marketplace, and its seller centre.

Routes (the buyer's browser, or whoever acts as it):

- ``GET /courses``: the storefront (the courses it sells, from the sandbox's catalogue);
- ``POST /checkouts`` ``{prakerja_id, course_code, schedule_code}``: start a purchase; Prakerja
  texts the buyer an OTP (``status`` ``awaiting_otp``) or the checkout fails with its reason;
- ``POST /checkouts/{id}/otp`` ``{otp}``: pay; ``GET /checkouts/{id}``;
- ``GET /invoices/{invoice_code}`` (confirmed with payment/status; carries the redeem code),
  ``POST /invoices/{invoice_code}/void``;
- ``POST /seller/submissions``: submit the carried providers' courses to the catalogue;
  ``GET /seller/submissions``: what it submitted and where each stands.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI, Request

from contract import buyer
from simulators.buyer_api import install_errors
from simulators.framework.app import directives, simulator_app
from simulators.framework.registry import SimConfig, SimulatorKind
from simulators.outbound import Caller, Calls, Flaws
from simulators.platform.checkout import Behaviour, Shop
from simulators.platform.seller import Providers, SellerCentre
from simulators.platform.storefront import Storefront


def _required(config: SimConfig) -> tuple[str, str]:
    if not (config.sandbox_url and config.client_code and config.sign_key):
        raise ValueError("a digital platform needs sandbox_url, client_code and sign_key")
    return config.client_code, config.sign_key


def provider_urls(config: SimConfig) -> Providers:
    """The providers a platform carries (``options['providers']``: URLs, or a callable giving
    them, for a launcher that learns the URLs once the providers listen)."""
    given = config.options.get("providers", ())
    if callable(given):
        return Providers(given)
    urls: Sequence[str] = tuple(str(url) for url in given)
    return Providers(lambda: urls)


def create_app(
    kind: SimulatorKind, config: SimConfig, behaviour: Behaviour, flaws: Flaws
) -> FastAPI:
    """One platform instance (``config.options``: name, providers, public_url)."""
    client_code, sign_key = _required(config)
    options = config.options
    name = str(options.get("name") or config.instance)
    public_url = options.get("public_url")
    app = simulator_app(
        kind, config, title=f"Digital platform simulator: {name}", description=__doc__ or ""
    )
    install_errors(app)
    caller = Caller(app.state.sim.http, client_code, sign_key, flaws=flaws)
    providers = provider_urls(config)
    storefront = Storefront(caller, client_code, name, providers.known)
    shop = Shop(caller=caller, storefront=storefront, instance=config.instance, behaviour=behaviour)
    seller = SellerCentre(caller, providers)
    app.state.shop, app.state.seller = shop, seller

    def base(request: Request) -> str:
        return str(public_url) if public_url else str(request.base_url).rstrip("/")

    def calls(request: Request) -> Calls:
        return caller.calls(directives(request))

    @app.get("/courses", response_model=buyer.Storefront)
    async def courses(fresh: bool = False) -> buyer.Storefront:
        """The courses on sale here, with their price and schedules; ``fresh=true`` reloads
        the page (the catalogue read again, at most every 2 s)."""
        return buyer.Storefront(
            platform=buyer.PartnerRef(client_code=client_code, name=name),
            courses=await storefront.courses(fresh=fresh),
        )

    @app.post("/checkouts", response_model=buyer.Checkout, status_code=201)
    async def start(body: buyer.StartCheckoutRequest, request: Request) -> buyer.Checkout:
        """Start a purchase: seats are checked and Prakerja texts the buyer an OTP."""
        return await shop.start(calls(request), body, base(request))

    @app.get("/checkouts/{checkout_id}", response_model=buyer.Checkout)
    async def look(checkout_id: str, request: Request) -> buyer.Checkout:
        """Where a checkout stands (a pending one is checked with Prakerja)."""
        return await shop.look(calls(request), checkout_id)

    @app.post("/checkouts/{checkout_id}/otp", response_model=buyer.Checkout)
    async def pay(checkout_id: str, body: buyer.OtpRequest, request: Request) -> buyer.Checkout:
        """Pay with the OTP the buyer received."""
        return await shop.pay(calls(request), checkout_id, body.otp)

    @app.get("/invoices/{invoice_code}", response_model=buyer.Invoice)
    async def invoice(invoice_code: str, request: Request) -> buyer.Invoice:
        """The invoice with its redeem code, confirmed with payment/status."""
        return await shop.invoice(calls(request), invoice_code)

    @app.post("/invoices/{invoice_code}/void", response_model=buyer.Invoice)
    async def void(invoice_code: str, request: Request) -> buyer.Invoice:
        """Cancel the purchase (refused once the training was started at the provider)."""
        return await shop.void(calls(request), invoice_code)

    @app.post("/seller/submissions", response_model=buyer.SubmissionsData)
    async def submit() -> buyer.SubmissionsData:
        """Submit the carried providers' courses (and new schedules) to the catalogue."""
        submissions = await seller.submit_all()
        await storefront.refresh()
        return buyer.SubmissionsData(submissions=submissions)

    @app.get("/seller/submissions", response_model=buyer.SubmissionsData)
    async def submissions() -> buyer.SubmissionsData:
        """The platform's submissions and their status in curation."""
        return buyer.SubmissionsData(submissions=await seller.listing())

    return app
