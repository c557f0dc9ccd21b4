"""Helpers shared by the test suites of every app: small factories and the shared world."""
