"""Reporters: each consumes run events and writes one form (console, JUnit XML, JSON, HTML)."""
