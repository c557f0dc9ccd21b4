"""Texts Custode stored in English, read back in the reader's language.

A check's reason ("status 503, expected 200") or an incident's title ("vps-01 unreachable") is stored as
the English words it was made of; a reader of Italian or Spanish gets them worded in their language when
they are shown. A ``Phrasebook`` holds one ``Phrase`` per shape of text: the English as the code writes it,
``{name}`` where a value goes, and the same sentence in each other language. A value is shown as it is,
unless the phrase names how to word it (``words``): ``NESTED`` words it with the book itself, for a
reason inside a reason. Text no phrase matches is shown as it is.

    book = Phrasebook([Phrase("status {code}, expected {expected}",
                              it="codice di stato {code}, atteso {expected}", ...)])
    book.say("status 503, expected 200", "it")  -> "codice di stato 503, atteso 200"
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

NESTED = "nested"  # a value worded by the same book: a reason inside a reason

_SLOT = re.compile(r"\{(\w+)\}")

Wording = Callable[[str, str], str]  # (value, language) -> the value in that language


@dataclass(frozen=True)
class Phrase:
    """ENGLISH as the code writes it, ``{name}`` for each value, and the sentence in Italian and Spanish."""

    english: str
    it: str
    es: str
    words: dict[str, Wording | str] = field(default_factory=dict)

    def pattern(self) -> re.Pattern[str]:
        parts = _SLOT.split(self.english)
        regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
        return re.compile(regex, re.DOTALL)


class Phrasebook:
    """The phrases of one kind of text, tried in order: put the longer of two that overlap first."""

    def __init__(self, phrases: Iterable[Phrase]) -> None:
        self.phrases = [(phrase, phrase.pattern()) for phrase in phrases]

    def say(self, text: str, language: str | None) -> str:
        """TEXT in LANGUAGE; as it is in English, in a language not known here, or when no phrase matches."""
        if not text or language not in ("it", "es"):
            return text
        for phrase, pattern in self.phrases:
            match = pattern.fullmatch(text)
            if match:
                values = {name: self._word(phrase, name, value, language) for name, value in match.groupdict().items()}
                return getattr(phrase, language).format(**values)
        return text

    def _word(self, phrase: Phrase, name: str, value: str, language: str) -> str:
        how = phrase.words.get(name)
        if how == NESTED:
            return self.say(value, language)
        return how(value, language) if callable(how) else value


def replace(english: str, **languages: str) -> Wording:
    """A value in which ENGLISH (a joining word: " or ", " and ") is written in the reader's language."""
    return lambda value, language: value.replace(english, languages.get(language, english))
