"""Message templates: plain-text Django templates a provider can override, in it, en and es.

``messages/<lang>/<name>.txt``: the first line is ``Subject: ...``, then a blank line, then the body.
The loaders in settings find ``CUSTODE_TEMPLATES_DIR`` (default: ``templates`` in the data dir) before the
files in this app, so a provider's copy wins; one that does not render, or lacks its subject line, is
logged and ours is used instead, so customers are told anyway. Nothing is HTML-escaped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cache
from pathlib import Path

from django.template import Context, Engine, TemplateDoesNotExist, TemplateSyntaxError
from django.template.loader import get_template

from custode.incidents import wording

log = logging.getLogger(__name__)

BUILTIN_TEMPLATES = Path(__file__).resolve().parent / "templates"


class TemplateFormatError(ValueError):
    """A message template whose first line is not ``Subject: ...``."""


def render(name: str, language: str, context: dict) -> tuple[str, str]:
    """(subject, body) of template NAME in LANGUAGE. A provider's override that fails falls back to ours."""
    return _render(f"messages/{wording.known(language)}/{name}.txt", context, _split)


def phrase(name: str, language: str, context: dict) -> str:
    """A piece of a sentence from a template of its own, on one line."""
    path = f"messages/{wording.known(language)}/{name}.txt"
    return _render(path, context, lambda text, _: " ".join(text.split()))


@cache
def _builtin_engine() -> Engine:
    """Custode's own message templates: this app's, and those of every app that tells people something."""
    return Engine(dirs=[str(BUILTIN_TEMPLATES)], app_dirs=True, autoescape=False)


def _render(path: str, context: dict, parse: Callable[[str, str], object]):
    """Render PATH as plain text (no HTML escaping): the provider's file first, ours when theirs fails."""
    try:
        return parse(get_template(path).template.render(Context(context, autoescape=False)), path)
    except (TemplateSyntaxError, TemplateDoesNotExist, TemplateFormatError):
        log.exception("message template %s cannot be used; using the built-in one", path)
    return parse(_builtin_engine().get_template(path).render(Context(context, autoescape=False)), path)


def _split(text: str, path: str) -> tuple[str, str]:
    head, _, body = text.lstrip().partition("\n")
    if not head.startswith("Subject:") or not head[len("Subject:"):].strip():
        raise TemplateFormatError(f"{path}: the first line must be 'Subject: ...'")
    lines = [line.rstrip() for line in body.strip("\n").splitlines()]
    while "" in lines[-1:]:
        lines.pop()
    text = "\n".join(lines)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return " ".join(head[len("Subject:"):].split()), text.lstrip("\n") + "\n"
