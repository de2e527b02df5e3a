"""The conformance harness: ``prakerja certify`` judges a partner against its role's requirements.

Layers, bottom up: ``suite`` (checks as small registered functions, each naming the requirement
it tests; contexts that record every exchange as evidence), ``runner`` (runs a plan of checks and
emits events), ``reporters`` (console, JUnit XML, JSON, HTML: each consumes the events, none is
known to the runner), ``waivers`` and ``capabilities`` (the partner's files), ``sandbox`` (the
certification API: submit, sessions, the office's key) and ``suites`` (one module per role and
mode). A failure of the partner (``PartnerFailure``) and an error of the harness
(``HarnessError``) have different base classes and different outcomes.

The harness meets the sandbox and the partner over HTTP only; it imports ``contract`` and
nothing of the server or the simulators.
"""

HARNESS_VERSION = "1.0.0"
