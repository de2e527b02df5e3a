"""Payment-partner simulators: the four e-wallets and two banks incentives are paid through.

Each is a small FastAPI app (``app.create_app``) serving the partner side of
``contract.payouts`` — account inquiry, exactly-once disbursement, status, the daily statement,
signed callbacks to Prakerja — plus what the holder's own app does (open an account, upgrade an
e-wallet's KYC; ``contract.partner_app``). Who holds which account is drawn from the synthetic
population and a seed (``accounts``); how each partner behaves is data (``partners``); the money
it moved is kept by ``ledger``. ``launch.running_payment_partners`` runs the six on one event loop
for tests and ``prakerja up``; ``prakerja payment-partners serve`` (``cli``) runs them for people.
"""
