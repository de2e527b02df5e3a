"""The training provider (LP) simulator: courses it publishes for the platforms that carry it,
redeem and attendance through Prakerja's verification page, TPM/UK with feedback, post-test
scores and certificates reported to the sandbox.

``kinds`` registers it (kind ``training-provider``, role ``lp``) with its mutants; ``app`` is the
participant's side as HTTP; ``classroom`` the calls each step makes; ``learning``, ``courses``
and ``scores`` are rules with no I/O; ``launch`` runs many on one event loop.
"""
