"""The dependency graph: what needs what, the root cause, and who is touched."""

from __future__ import annotations

from custode.incidents import graph as g

#   router(1, provider) <- server(2, provider) <- site(3, customer 10), site(4, customer 11)
#   site(4) <- shop(5, customer 12);  lonely(6, customer 13)
GRAPH = g.Graph.from_edges([(2, 1), (3, 2), (4, 2), (5, 4)], {1: None, 2: None, 3: 10, 4: 11, 5: 12, 6: 13})


def test_ancestors_and_dependants_are_transitive():
    assert g.ancestors(GRAPH, 5) == {4, 2, 1}
    assert g.dependants(GRAPH, 1) == {2, 3, 4, 5}
    assert g.dependants(GRAPH, 6) == set() == g.ancestors(GRAPH, 6)


def test_a_cycle_neither_loops_nor_counts_an_asset_as_its_own_ancestor():
    cyclic = g.Graph.from_edges([(1, 2), (2, 1)], {1: None, 2: None})
    assert g.ancestors(cyclic, 1) == {2}
    assert g.root_cause(cyclic, 1, {1, 2}) == 1


def test_the_root_cause_is_the_highest_down_ancestor():
    assert g.root_cause(GRAPH, 5, {5, 4, 2}) == 2
    assert g.root_cause(GRAPH, 5, {5, 4, 2, 1}) == 1
    assert g.root_cause(GRAPH, 5, {5}) == 5
    assert g.root_cause(GRAPH, 5, {5, 2}) == 2, "a down server is the cause even when the site between is up"


def test_between_two_down_dependencies_the_one_more_assets_need_wins():
    graph = g.Graph.from_edges([(3, 1), (3, 2), (4, 2)], {1: None, 2: None, 3: 10, 4: 11})
    assert g.root_cause(graph, 3, {1, 2, 3}) == 2


def test_a_down_provider_asset_touches_every_customer_whose_assets_need_it():
    assert g.affected_customers(GRAPH, [1]) == {10, 11, 12}
    assert g.affected_customers(GRAPH, [4]) == {11, 12}
    assert g.affected_customers(GRAPH, [6]) == {13}
    assert g.is_infrastructure(GRAPH, 2) and not g.is_infrastructure(GRAPH, 3)
