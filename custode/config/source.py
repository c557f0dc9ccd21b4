"""Reading a YAML config file while remembering the line of every key and list item.

Errors found later (by the schema or by a service) name a field path such as
``customers[0].assets[1].monitors[0].interval``; ``Source.line`` turns it back into a line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    path: Path
    message: str


class ConfigErrors(Exception):
    """Everything wrong with a file, each problem with its line and field path."""

    def __init__(self, filename: str, problems: list[tuple[int | None, str, str]]):
        self.filename = filename
        self.problems = problems
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        out = []
        for line, where, message in self.problems:
            place = f"{self.filename}:{line}" if line else self.filename
            out.append(f"{place} {where}: {message}" if where else f"{place}: {message}")
        return out


def path_text(path: Path) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


@dataclass
class Source:
    filename: str
    data: Any
    lines: dict[Path, int] = field(default_factory=dict)

    def line(self, path: Path) -> int | None:
        """The line of PATH, or of its nearest ancestor the file has."""
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return None

    def errors(self, problems: list[Problem]) -> ConfigErrors:
        ordered = sorted(problems, key=lambda p: (self.line(p.path) or 0, path_text(p.path)))
        return ConfigErrors(self.filename, [(self.line(p.path), path_text(p.path), p.message) for p in ordered])


# libyaml's parser (five times faster) when PyYAML was built with it: it marks the same lines.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR = "tag:yaml.org,2002:str"


MAX_BYTES = 64 * 1024 * 1024  # 100,000 monitors take about 15 MB
NODES_PER_BYTE = 1  # what a file may expand to through aliases: a value per byte, plus a floor
NODES_FLOOR = 200_000


class _TooMany(Exception):
    def __init__(self, node: yaml.Node):
        self.line = node.start_mark.line + 1


def load(text: str, filename: str, *, loader_class: type[yaml.SafeLoader] = _Loader) -> Source:
    """Parse TEXT; ConfigErrors for a syntax error, a key written twice in one mapping, a file over
    MAX_BYTES, or aliases that repeat far more values than the file holds (a few hundred bytes of
    ``*alias`` nested in lists can stand for billions of values: an alias bomb)."""
    data = text if loader_class is yaml.SafeLoader else text.encode("utf-8")  # libyaml's positions count bytes
    if len(data) > MAX_BYTES:
        raise ConfigErrors(filename, [(None, "", f"is {len(data) / 2**20:.0f} MB; a config file may have at most "
                                                 f"{MAX_BYTES // 2**20} MB")])
    source = Source(filename, None, {(): 1})
    problems: list[Problem] = []
    budget = [NODES_FLOOR + NODES_PER_BYTE * len(data)]
    try:
        loader = loader_class(data)  # PyYAML's own reader refuses unprintable characters here
        try:
            node = loader.get_single_node()
            if node is not None:
                source.data = _build(loader, node, (), source.lines, problems, budget)
        finally:
            loader.dispose()
    except yaml.YAMLError as e:
        raise ConfigErrors(filename, [(_error_line(e, data), "", f"not valid YAML: {_reason(e)}")]) from None
    except _TooMany as e:
        raise ConfigErrors(filename, [(e.line, "", "its aliases (*name) repeat more values than a file of its size "
                                                   "can mean (an alias bomb?); write the values out instead")]) from None
    if problems:
        raise source.errors(problems)
    return source


def _error_line(error: yaml.YAMLError, data: str | bytes) -> int | None:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    if mark:
        return mark.line + 1
    if isinstance(error, yaml.reader.ReaderError):  # a character YAML refuses: its position in DATA
        return data[: error.position].count(b"\n" if isinstance(data, bytes) else "\n") + 1
    return None


def _reason(error: yaml.YAMLError) -> str:
    if isinstance(error, yaml.reader.ReaderError):
        return f"character #x{error.character:04x} is not allowed ({error.reason})"
    return getattr(error, "problem", None) or str(error)


def _build(loader: yaml.SafeLoader, node: yaml.Node, path: Path, lines: dict, problems: list[Problem],
           budget: list[int]) -> Any:
    budget[0] -= 1
    if budget[0] < 0:
        raise _TooMany(node)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):  # a list or mapping as a key: never meant, maybe a bomb
                problems.append(Problem(path, f"line {key_node.start_mark.line + 1}: a key must be a plain word"))
                continue
            key = _scalar(loader, key_node)
            child = path + (key,)
            if key in out:
                problems.append(Problem(child, f"{key!r} is written twice in the same mapping"))
            lines[child] = key_node.start_mark.line + 1
            out[key] = _build(loader, value_node, child, lines, problems, budget)
        return out
    if isinstance(node, yaml.SequenceNode):
        items = []
        for i, item in enumerate(node.value):
            lines[path + (i,)] = item.start_mark.line + 1
            items.append(_build(loader, item, path + (i,), lines, problems, budget))
        return items
    try:
        value = _scalar(loader, node)
    except ValueError:
        return node.value  # e.g. 2027-13-45 looks like a date but is none: the schema says why
    if isinstance(value, str) and "\x00" in value:  # PostgreSQL cannot store it; SQLite would, silently
        problems.append(Problem(path, "contains a NUL character (\\0), which no field accepts"))
    return value


def _scalar(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    """NODE's value; a plain string (most of a file) without the constructor's bookkeeping."""
    if node.tag == _STR and isinstance(node, yaml.ScalarNode):
        return node.value
    return loader.construct_object(node, deep=True)
