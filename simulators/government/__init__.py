"""Simulators of the government sources the verification pipeline calls: Dukcapil (civil
registry), DTKS (social-assistance registry) and biometrics (liveness, face match).

Each is a small FastAPI app (``create_app(registry, profile)``) answering from a synthetic
population file (``registry``) with a behaviour profile of latency, outages and timeouts
(``profile``, and the ``X-Simulate`` header per request). ``launch.running_government`` runs all
three for tests; ``prakerja government serve`` (``cli``) runs them for people.
"""
