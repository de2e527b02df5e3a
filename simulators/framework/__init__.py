"""What every simulator shares: behaviour profiles, ``X-Simulate``, the request journal, mutants,
the app factory and serving many simulators on one event loop.

A simulator is a partner (or a government source): it meets the reference server over HTTP and
the contract only, never by import.
"""
