"""Every translated text has every form its language counts: a Spanish plural missing its third form fell
back to English for any number but one (gettext finds no form 2 and returns the English msgid_plural)."""

from __future__ import annotations

import gettext
from pathlib import Path

import pytest
from django.utils import translation

import custode

LOCALE = Path(custode.__file__).parent / "locale"


@pytest.mark.parametrize("language", sorted(p.name for p in LOCALE.iterdir() if p.is_dir()))
def test_every_plural_text_has_all_the_forms_of_its_language(language):
    with open(LOCALE / language / "LC_MESSAGES" / "django.mo", "rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)
    forms = {n: catalogue.plural(n) for n in range(0, 2_000_001, 1000)} | {n: catalogue.plural(n) for n in range(10)}
    plurals = {msgid for (msgid, *index) in (k if isinstance(k, tuple) else (k,) for k in catalogue._catalog)
               if index}

    missing = sorted((msgid, form) for msgid in plurals for form in set(forms.values())
                     if (msgid, form) not in catalogue._catalog)

    assert plurals and missing == []


def test_a_spanish_plural_reads_spanish_for_several():
    with translation.override("es"):
        text = translation.ngettext("Too many requests for a link. Try again in %(minutes)s minute.",
                                    "Too many requests for a link. Try again in %(minutes)s minutes.", 5)

    assert text.startswith("Demasiadas solicitudes")
