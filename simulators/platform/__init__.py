"""The digital platform (DP) simulator: a storefront of the courses it may sell (the sandbox's
unified catalogue), a seller centre that submits its providers' courses to that catalogue, a
checkout through the real payment API (quota-schedule, send-otp, authorize, status, void),
invoices and the redeem codes handed to buyers.

``kinds`` registers it (kind ``digital-platform``, role ``dp``) with its mutants; ``app`` is the
buyer's side as HTTP; ``checkout`` the calls of a purchase; ``storefront`` and ``seller`` the
catalogue's two directions; ``launch`` runs many on one event loop.
"""
