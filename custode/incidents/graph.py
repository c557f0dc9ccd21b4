"""The asset dependency graph, as the incident logic reads it.

``Asset.depends_on`` means *needs*: a site that depends on a server is down when the server is.
Everything here is pure over a ``Graph`` built once from the edges (``graph_load`` is the only read),
so the processor can answer many questions about one batch of state changes with one query.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Graph:
    """``parents[a]``: what A depends on; ``children[a]``: what depends on A; ``owner[a]``: A's customer id."""

    parents: dict[int, set[int]] = field(default_factory=dict)
    children: dict[int, set[int]] = field(default_factory=dict)
    owner: dict[int, int | None] = field(default_factory=dict)

    @classmethod
    def from_edges(cls, edges: Iterable[tuple[int, int]], owner: dict[int, int | None]) -> Graph:
        """EDGES are (dependant, dependency) pairs, as ``Asset.depends_on`` stores them."""
        parents: dict[int, set[int]] = defaultdict(set)
        children: dict[int, set[int]] = defaultdict(set)
        for dependant, dependency in edges:
            parents[dependant].add(dependency)
            children[dependency].add(dependant)
        return cls(dict(parents), dict(children), dict(owner))


def graph_load() -> Graph:
    from custode.assets.models import Asset

    edges = Asset.depends_on.through.objects.values_list("from_asset_id", "to_asset_id")
    return Graph.from_edges(edges, dict(Asset.objects.values_list("id", "customer_id")))


def _walk(links: dict[int, set[int]], start: Iterable[int]) -> set[int]:
    seen: set[int] = set()
    stack = list(start)
    while stack:
        for nxt in links.get(stack.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def ancestors(graph: Graph, asset: int) -> set[int]:
    """Everything ASSET depends on, directly or not (ASSET itself excluded, even in a cycle)."""
    return _walk(graph.parents, [asset]) - {asset}


def dependants(graph: Graph, asset: int) -> set[int]:
    """Everything that depends on ASSET, directly or not (ASSET itself excluded)."""
    return _walk(graph.children, [asset]) - {asset}


def dependants_of_all(graph: Graph, assets: Iterable[int]) -> set[int]:
    return _walk(graph.children, assets)


def root_cause(graph: Graph, asset: int, down: set[int]) -> int:
    """The highest down asset among ASSET and its ancestors: the one whose own ancestors are all up.

    When several qualify (two down servers a site needs), the one more assets depend on wins, then
    the lowest id, so the choice is stable.
    """
    candidates = [a for a in ancestors(graph, asset) | {asset} if a in down or a == asset]
    tops = [a for a in candidates if not (ancestors(graph, a) & down - {a})] or [asset]
    return min(tops, key=lambda a: (-len(dependants(graph, a)), a))


def touched(graph: Graph, down: Iterable[int]) -> set[int]:
    """Assets an outage of DOWN touches: the down assets and everything that needs them."""
    down = set(down)
    return down | dependants_of_all(graph, down)


def affected_customers(graph: Graph, assets: Iterable[int]) -> set[int]:
    """Customers touched when ASSETS are down: their owners, and the owners of whatever depends on them.

    A provider asset (no customer) thus affects every customer whose assets need it, directly or not.
    """
    return {graph.owner[a] for a in touched(graph, assets) if graph.owner.get(a) is not None}


def is_infrastructure(graph: Graph, asset: int) -> bool:
    return asset in graph.owner and graph.owner[asset] is None
