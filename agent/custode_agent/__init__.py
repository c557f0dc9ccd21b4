"""Custode's agent (``pip install ./agent``, command ``custode-agent``). Standard library only."""
