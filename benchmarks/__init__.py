"""Benchmarks: like the tests, they wire the parts together (start the server, register partners)."""
