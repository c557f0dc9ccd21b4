"""Every reason a check writes reads in Italian and Spanish: the checks' own source is read for the reasons
they can write, so a new one without its phrase in ``custode.checks.reasons`` fails here."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from custode.checks import reasons

CHECKS = Path(reasons.__file__).resolve().parent
SOURCES = sorted(CHECKS.glob("*.py")) + [CHECKS.parent / "engine" / "engine.py"]
# Functions whose returned strings are reasons, errors whose first argument is one, tables of them.
REASON_FUNCTIONS = {"reason_for", "_cert_problem", "_status", "_headers", "_contains", "_matches", "_json",
                    "_latency", "_refusal", "_silent", "_reason", "_login_reason", "_query_reason",
                    "_connect_reason", "_rejected", "_unexpected", "_late"}
REASON_ERRORS = {"_Failed": "", "_BadReply": "", "MissingSecret": "", "InvalidRequest": "invalid request: "}
REASON_TABLES = {"_ERRNO", "_VERIFY_CODES", "_NETWORK_WORDS", "NOT_PERMITTED"}
VALUE = "x"
# Names and words that read the same in every language (products, protocol words, loanwords).
SAME_EVERYWHERE = {"DNS", "TLS", "SMTP", "Redis", "MySQL", "PostgreSQL", "JSON", "HTTP", "URL", "NXDOMAIN",
                   "EHLO", "STARTTLS", "PING", "PONG", "NOAUTH", "KiB", "ICMP", "UTC", "DB", VALUE, "host",
                   "server", "resolver", "ping", "root", "socket", "sockets", "record", "database", "query",
                   "job", "sysctl", "nameserver", "in"}
ALSO = {"it": {"a"}, "es": {"no", "variable"}}


class _Reader:
    """The reasons one module of the checks can write."""

    def __init__(self, path: Path) -> None:
        self.path, self.tree = path, ast.parse(path.read_text())
        self.functions = {f.name: f for f in ast.walk(self.tree) if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)}
        self.found: dict[str, str] = {}

    def read(self) -> dict[str, str]:
        for node in self.tree.body:
            if isinstance(node, ast.Assign) and any(getattr(t, "id", "") in REASON_TABLES for t in node.targets):
                self._note(node.value, node, {})
        for func in self.functions.values():
            local = self._locals(func)
            for node in ast.walk(func):
                if isinstance(node, ast.Return) and node.value is not None and func.name in REASON_FUNCTIONS:
                    self._note(node.value, node, local)
                if isinstance(node, ast.Call) and node.args:
                    name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                    owner = getattr(node.func, "value", None)
                    if (name in ("down", "degraded", "error") and getattr(owner, "id", "") == "Result"
                            or name in REASON_ERRORS or name == "__init__" and self.path.name == "httpclient.py"):
                        self._note(node.args[0], node, local, REASON_ERRORS.get(name, ""))
        return self.found

    def _note(self, node: ast.AST, at: ast.AST, local: dict[str, ast.AST], prefix: str = "") -> None:
        for text in self._samples(node, local):
            self.found.setdefault(prefix + text, f"{self.path.name}:{at.lineno}")

    @staticmethod
    def _locals(func: ast.AST) -> dict[str, ast.AST]:
        """The function's texts held in a name (``expected = f"expected every ..."``)."""
        return {t.id: n.value for n in ast.walk(func) if isinstance(n, ast.Assign)
                for t in n.targets if isinstance(t, ast.Name)}

    def _samples(self, node: ast.AST, local: dict[str, ast.AST], depth: int = 0) -> list[str]:
        """The texts NODE can be, each value written VALUE; [] when it is not written here (str(e))."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [node.value]
        if isinstance(node, ast.JoinedStr):
            texts = [""]
            for part in node.values:
                texts = [t + p for t in texts for p in self._piece(part, t, local, depth)]
            return texts
        if isinstance(node, ast.IfExp):
            return self._samples(node.body, local, depth) + self._samples(node.orelse, local, depth)
        if isinstance(node, ast.Dict):
            return [s for value in node.values for s in self._samples(value, local, depth)]
        return []

    def _piece(self, part: ast.AST, before: str, local: dict[str, ast.AST], depth: int) -> list[str]:
        if isinstance(part, ast.Constant):
            return [part.value]
        value = part.value  # a FormattedValue
        if isinstance(value, ast.Name) and value.id in local:
            return self._samples(local[value.id], local, depth) or [VALUE]
        called = getattr(value.func, "id", "") if isinstance(value, ast.Call) else ""
        if called in REASON_FUNCTIONS and called in self.functions and depth < 2:
            func = self.functions[called]  # a reason made of another: "{_unexpected(...)} within 5s"
            returns = [r.value for r in ast.walk(func) if isinstance(r, ast.Return) and r.value is not None]
            return [s for r in returns for s in self._samples(r, self._locals(func), depth + 1)] or [VALUE]
        if called and before and not before[-1].isspace():
            return [""]  # a suffix a helper adds, like http's " (first 64 KiB read)": its phrase is tested below
        return [VALUE]


def _written_reasons() -> dict[str, str]:
    """{reason as a check can write it: where}."""
    found: dict[str, str] = {}
    for path in SOURCES:
        for text, where in _Reader(path).read().items():
            found.setdefault(text, where)
    return found


def _words(text: str, language: str = "en") -> set[str]:
    """The plain words of TEXT, without paths, dotted names, quoted values and words every language shares
    (nor those LANGUAGE writes as English does: Italian "a", Spanish "no")."""
    text = re.sub(r"'[^']*'|\"[^\"]*\"", " ", text)
    same = SAME_EVERYWHERE | ALSO.get(language, set())
    return {w for w in re.split(r"[\s,;:()+]+", text) if w.isalpha() and w not in same}


WRITTEN = _written_reasons()


def test_the_checks_source_is_read_for_their_reasons():
    for reason in ("connection refused", "status x, expected x", "no ping for x; expected every x + x grace",
                   "invalid request: unsupported URL x", "body is not JSON",
                   "environment variable x is not set", "the check could not run: x", "TLS certificate is self-signed",
                   "DNS: NXDOMAIN for x", "timed out after x waiting for a reply"):
        assert reason in WRITTEN
    assert len(WRITTEN) > 80


@pytest.mark.parametrize("reason", sorted(r for r in WRITTEN if _words(r)))
@pytest.mark.parametrize("language", ["it", "es"])
def test_every_reason_a_check_writes_reads_in_italian_and_spanish(reason, language):
    said = reasons.say(reason, language)
    assert said != reason, f"{reason!r} ({WRITTEN[reason]}) has no phrase in custode/checks/reasons.py"
    assert not _words(reason) & _words(said, language), said


@pytest.mark.parametrize(("reason", "it", "es"), [
    ("connection refused", "connessione rifiutata", "conexión rechazada"),
    ("status 503, expected 200", "codice di stato 503, atteso 200", "código de estado 503, se esperaba 200"),
    ("status 404, expected 200 or 301", "codice di stato 404, atteso 200 o 301",
     "código de estado 404, se esperaba 200 o 301"),
    ("timed out after 10s", "nessuna risposta entro 10s", "sin respuesta en 10s"),
    ("DNS: NXDOMAIN for mirador.example", "DNS: il dominio mirador.example non esiste (NXDOMAIN)",
     "DNS: el dominio mirador.example no existe (NXDOMAIN)"),
    ("DNS: A is 198.51.100.1 and 198.51.100.2, expected 203.0.113.10",
     "DNS: il record A vale 198.51.100.1 e 198.51.100.2, atteso 203.0.113.10",
     "DNS: el registro A es 198.51.100.1 y 198.51.100.2, se esperaba 203.0.113.10"),
    ("TLS: certificate has expired", "TLS: certificato scaduto", "TLS: el certificado ha caducado"),
    ("TLS certificate expired 5 days ago (2026-11-27)", "certificato TLS scaduto da 5 giorni (2026-11-27)",
     "el certificado TLS caducó hace 5 días (2026-11-27)"),
    ("no ping for 7m; expected every 5m + 2m grace", "nessun ping da 7m; atteso ogni 5m + 2m di tolleranza",
     "ningún ping desde hace 7m; se esperaba cada 5m + 2m de margen"),
    ("environment variable REDIS_PASSWORD is not set", "la variabile d'ambiente REDIS_PASSWORD non è impostata",
     "la variable de entorno REDIS_PASSWORD no está definida"),
    ("the check could not run: connection refused", "impossibile eseguire il controllo: connessione rifiutata",
     "no se pudo ejecutar la comprobación: conexión rechazada"),
    ("DNS: resolver 127.0.0.1 failed: timed out after 5s", "DNS: errore del resolver 127.0.0.1: nessuna risposta entro 5s",
     "DNS: error del resolver 127.0.0.1: sin respuesta en 5s"),
    ("MySQL: query returned no rows, expected '1'", "MySQL: la query non ha restituito righe, atteso '1'",
     "MySQL: la consulta no devolvió ninguna fila, se esperaba '1'"),
    ("PostgreSQL: query returned '3', expected '1'", "PostgreSQL: la query ha restituito '3', atteso '1'",
     "PostgreSQL: la consulta devolvió '3', se esperaba '1'"),
    ("Redis: NOAUTH authentication required", "Redis: serve l'autenticazione (NOAUTH)",
     "Redis: se requiere autenticación (NOAUTH)"),
    ("DNS: the system resolver did not answer (timed out after 5s)",
     "DNS: il resolver di sistema non ha risposto entro 5s", "DNS: el resolver del sistema no ha respondido en 5s"),
    ("body does not contain 'Benvenuti' (first 64 KiB read)",
     "la risposta non contiene 'Benvenuti' (letti solo i primi 64 KiB)",
     "la respuesta no contiene 'Benvenuti' (solo se han leído los primeros 64 KiB)"),
])
def test_reasons_read_as_a_native_speaker_writes_them(reason, it, es):
    assert (reasons.say(reason, "it"), reasons.say(reason, "es"), reasons.say(reason, "en")) == (it, es, reason)


@pytest.mark.parametrize("reason", ["PostgreSQL: sorry, too many clients already", "SMTP: 554 5.7.1 rejected", "",
                                    "errore sconosciuto"])
def test_a_reason_in_someone_elses_words_is_shown_as_it_is(reason):
    assert reasons.say(reason, "it") == reason and reasons.say(reason, "es") == reason
