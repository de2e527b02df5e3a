"""A whole wave, simulated: synthetic people walking the programme through HTTP only.

``prakerja simulate`` drives them against a running sandbox (``prakerja up``): register, verify,
join, the draw, buy on a digital platform, learn at a training provider, finish, review, link an
account and be paid — and reports the funnel it reached. It is the people's side: it imports
nothing from ``reference_server``.
"""
