"""Custode's agent (``pip install ./agent``, command ``custode-agent``). Standard library only."""

__version__ = "0.1.0"
