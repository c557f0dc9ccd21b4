"""The words Custode stores in English on an incident, in the reader's language.

An incident's title ("vps-01 unreachable") and the notes a merge leaves ("Merged into incident 7: ...")
are stored as Custode wrote them; staff read them in their own language. A title or note someone typed
is shown as they typed it.
"""

from __future__ import annotations

from custode.lib.phrasebook import NESTED, Phrase, Phrasebook

_TITLE = {"title": NESTED}  # a merge note names the other incident by its title: worded by this book too

STORED = Phrasebook([
    Phrase("Merged into incident {id}: {title}", it="Unito all'incidente {id}: {title}",
           es="Fusionada con la incidencia {id}: {title}", words=_TITLE),
    Phrase("Incident {id} merged in: {title}", it="Qui confluisce l'incidente {id}: {title}",
           es="Se ha fusionado aquí la incidencia {id}: {title}", words=_TITLE),
    Phrase("{name} unreachable", it="{name} non raggiungibile", es="{name} no accesible"),
    Phrase("{name}: {what} failed", it="{name}: {what} non riuscito", es="{name}: {what} ha fallado"),
    Phrase("{name} degraded: {what}", it="{name} con un servizio degradato: {what}",
           es="{name} con un servicio degradado: {what}"),
])


def say(text: str, language: str | None) -> str:
    """TEXT (a title or a note Custode wrote) in LANGUAGE; anything else as it is."""
    return STORED.say(text, language)
