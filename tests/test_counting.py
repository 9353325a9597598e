"""How claims are counted: the count-kind scheme, dates at different precision, source groups."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import SKOS, XSD

from claimgraph.counting import all_compatible, compatible, source_groups
from claimgraph.countkinds import SCHEME, bundled

from .conftest import ROOT

COUNTING = (ROOT / "docs" / "reference" / "counting.md").read_text(encoding="utf-8")


def test_every_count_kind_has_the_contract_drafting_relies_on():
    """notation, prefLabel, altLabels, definition; broader where one applies; in the one scheme."""
    graph = Graph().parse(ROOT / "ontology" / "count-kinds.ttl")
    concepts = set(graph.subjects(SKOS.inScheme, SCHEME))
    assert {str(graph.value(c, SKOS.notation)) for c in concepts} >= {
        "killed",
        "bodies-seen",
        "injured",
        "abducted",
        "missing",
        "detained",
        "displaced",
        "remaining",
    }
    for concept in concepts:
        assert graph.value(concept, SKOS.prefLabel) and graph.value(concept, SKOS.definition), concept
        assert list(graph.objects(concept, SKOS.altLabel)), concept
        assert str(concept).endswith("#" + str(graph.value(concept, SKOS.notation)))
    scheme = bundled()
    assert scheme.by_iri(scheme.iri("bodies-seen")).broader == ("killed",)
    assert scheme.suggest("Taken hostage") == "abducted" and scheme.suggest("deaths") == "killed"


@pytest.mark.parametrize("notation", bundled().notations)
def test_every_count_kind_is_documented(notation: str):
    assert f"| `{notation}` |" in COUNTING


def date(text: str, datatype) -> Literal:
    return Literal(text, datatype=datatype)


@pytest.mark.parametrize(
    ("a", "b", "agree"),
    [
        (date("--09-01", XSD.gMonthDay), date("2013-09-01", XSD.date), True),
        (date("2013", XSD.gYear), date("2013-09-01", XSD.date), True),
        (date("2013-09", XSD.gYearMonth), date("2013-09-01", XSD.date), True),
        (date("2013-09-01", XSD.date), date("2013-09-02", XSD.date), False),
        (date("--09-02", XSD.gMonthDay), date("2013-09-01", XSD.date), False),
        (date("2014", XSD.gYear), date("2013-09-01", XSD.date), False),
        (Literal(50), Literal(52), False),
        (Literal(52), Literal(52), True),
    ],
)
def test_dates_at_different_precision_are_compatible(a, b, agree):
    assert compatible(a, b) is agree and compatible(b, a) is agree


def test_compatibility_holds_between_every_two_values():
    # --09-01 agrees with each full date, but the two full dates do not agree with each other.
    values = [date("--09-01", XSD.gMonthDay), date("2013-09-01", XSD.date), date("2014-09-01", XSD.date)]
    assert not all_compatible(values)
    assert all_compatible(values[:2])


def test_source_groups_are_transitive():
    """a and c share nothing, but b shares an agent with each: one group."""
    groups = source_groups({"a": {"x"}, "b": {"x", "y"}, "c": {"y"}, "d": {"z"}})
    assert sorted(sorted(g) for g in groups) == [["a", "b", "c"], ["d"]]
