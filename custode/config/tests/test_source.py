"""Reading a config file: libyaml's parser and PyYAML's own give the same values, lines and errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from custode.config.source import ConfigErrors, load

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "custode.example.yaml"
LOADERS = [yaml.SafeLoader, yaml.CSafeLoader] if yaml.__with_libyaml__ else [yaml.SafeLoader]


def errors(text: str, loader_class) -> list[str]:
    with pytest.raises(ConfigErrors) as caught:
        load(text, "custode.yaml", loader_class=loader_class)
    return caught.value.lines()


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="this PyYAML was built without libyaml")
def test_both_parsers_read_the_example_to_the_same_values_and_lines():
    text = EXAMPLE.read_text(encoding="utf-8")
    python, c = (load(text, "custode.yaml", loader_class=loader) for loader in LOADERS)
    assert c.data == python.data
    assert c.lines == python.lines
    assert c.line(("customers", 0, "assets", 1, "warranty_until")) == text[: text.index("warranty_until")].count("\n") + 1


@pytest.mark.parametrize("loader_class", LOADERS)
def test_values_keep_their_yaml_types(loader_class):
    source = load("a: 2027-03-12\nb: 2027-13-45\nc: 3\nd: true\ne: ~\nf: '3'\ng: 1.5\n", "x", loader_class=loader_class)
    assert source.data == {"a": dt.date(2027, 3, 12), "b": "2027-13-45", "c": 3, "d": True, "e": None, "f": "3", "g": 1.5}


@pytest.mark.parametrize("loader_class", LOADERS)
def test_a_key_written_twice_names_its_second_line(loader_class):
    assert errors("a:\n  b: 1\n  c: 2\n  b: 3\n", loader_class) == ["custode.yaml:4 a.b: 'b' is written twice in the same mapping"]


@pytest.mark.parametrize("loader_class", LOADERS)
def test_a_nul_character_names_its_line(loader_class):
    assert errors('a:\n  - "x"\n  - "y\\0"\n', loader_class) == [
        "custode.yaml:3 a[1]: contains a NUL character (\\0), which no field accepts"
    ]


@pytest.mark.parametrize("loader_class", LOADERS)
@pytest.mark.parametrize(("text", "line"), [("a: [b\nc: d\n", 2), ("a: b\nc\n", 3), ("a: ok\nb: \"è\x01\"\n", 2)],
                         ids=["unclosed list", "key without colon", "control character"])
def test_a_syntax_error_names_its_line(loader_class, text, line):
    (problem,) = errors(text, loader_class)
    assert problem.startswith(f"custode.yaml:{line}: not valid YAML: "), problem


BOMB = """\
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""


@pytest.mark.parametrize("loader_class", LOADERS)
def test_an_alias_bomb_is_refused_at_once_naming_its_line(loader_class):
    assert len(BOMB.encode()) < 600  # a few hundred bytes standing for 387 million values
    [problem] = errors(BOMB, loader_class)
    assert problem.startswith("custode.yaml:") and "aliases (*name) repeat more values" in problem


@pytest.mark.parametrize("loader_class", LOADERS)
def test_aliases_that_share_defaults_are_read_as_written(loader_class):
    text = "defaults: &d {interval: 60s, retries: 2}\nmonitors:\n" + "".join(
        f"  - {{<<: *d, id: m{i}}}\n" for i in range(2000))
    monitors = load(text, "custode.yaml", loader_class=loader_class).data["monitors"]
    assert len(monitors) == 2000 and monitors[-1] == {"interval": "60s", "retries": 2, "id": "m1999"}


@pytest.mark.parametrize("loader_class", LOADERS)
def test_a_list_as_a_key_is_refused_naming_its_line(loader_class):
    [problem] = errors("a: &a [1, 2]\n? [*a, *a]\n: 3\n", loader_class)
    assert "a key must be a plain word" in problem


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(monkeypatch):
    monkeypatch.setattr("custode.config.source.MAX_BYTES", 1000)
    [problem] = errors("# " + "x" * 2000 + "\n", LOADERS[-1])
    assert "a config file may have at most" in problem
