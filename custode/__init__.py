"""Custode: monitoring, incidents, customer communication and reports for managed-service providers."""

__version__ = "0.1.0"
