"""The researcher's pages on the seed corpus: what each shows, checked against facts that stay true."""

from __future__ import annotations

import html
import re
import shutil

from .conftest import BASE, MINI

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
EVENT = "/entity/camp-ashraf-attack-2013"


def page(client, path: str, **params: str) -> str:
    response = client.get(path, query_string=params, headers=BROWSER)
    assert response.status_code == 200, response.data[:500]
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def rows(client, sparql: str) -> list[dict[str, str]]:
    response = client.get("/sparql", query_string={"query": sparql}, headers={"Accept": "application/json"})
    return [{k: v["value"] for k, v in b.items()} for b in response.get_json()["results"]["bindings"]]


def death_counts(client) -> list[dict[str, str]]:
    return rows(
        client,
        "SELECT ?claimant ?label ?value ?claim ?doc WHERE { ?claim <http://www.w3.org/1999/02/22-rdf-syntax-ns#subject> "
        f"<{BASE}entity/camp-ashraf-attack-2013> ; <http://www.w3.org/1999/02/22-rdf-syntax-ns#predicate> "
        "<https://w3id.org/claimgraph/ns#deathCount> ; <http://www.w3.org/1999/02/22-rdf-syntax-ns#object> ?value ; "
        "<http://www.w3.org/ns/prov#wasAttributedTo> ?claimant ; <http://www.w3.org/ns/prov#wasDerivedFrom> ?doc . "
        "?claimant <http://www.w3.org/2000/01/rdf-schema#label> ?label }",
    )


def table_rows(text: str) -> list[str]:
    return [
        html.unescape(re.sub(r"<[^>]+>", " ", row))
        for row in re.findall(r"<tr id=\"claim-.*?</tr>", text, re.S)
    ]


def section(text: str, ident: str) -> str:
    part = text[text.index(f'id="{ident}"') :]
    return part[part.index(">") + 1 : part.index("</section>")]


def plain(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def test_event_page_shows_the_contested_death_count_claim_by_claim(seed_client):
    text = page(seed_client, EVENT)
    contested = section(text, "contested")
    lines = [" ".join(r.split()) for r in table_rows(contested)]
    assert any(line.startswith("50 ") and "U.S. State Department" in line for line in lines)
    # Only the claims of the contested key: 52 bodies seen is another fact, not in this table.
    assert not any("United Nations officials" in line for line in lines)
    assert "contested: 50 vs 52 killed (5 claims" in plain(contested)
    for claim in death_counts(seed_client):
        digest = claim["claim"].rsplit("/", 1)[1]
        assert (f'id="claim-{digest}"' in contested) == (not claim["claimant"].endswith("/un-officials"))


def test_event_page_separates_uncontested_facts_and_counts_independent_sources(seed_client):
    """No view says sources agree where one source speaks: an uncontested fact says how many
    claims from how many independent sources (claims whose chains share an agent are one)."""
    text = page(seed_client, EVENT)
    assert "agrees" not in plain(text) and "What every source" not in text
    uncontested = section(text, "uncontested")
    said = plain(uncontested)
    # 52 bodies seen: one claim, by the United Nations officials.
    assert "uncontested, from one source: 52 bodies seen or recovered (1 claim)" in said
    # 7 abducted: "taken hostage" in article 000's own voice and the press reports' "abducted"
    # through the State Department report in both articles are one count kind and one value;
    # their chains share agents (article 000's voice, the State Department), so one source.
    assert "uncontested, from one source: 7 abducted or taken hostage (3 claims)" in said
    several = section(text, "several")
    assert "<details>" in several and "Several values" in several
    assert text.index('id="contested"') < text.index('id="uncontested"') < text.index('id="several"')


def test_dates_at_different_precision_are_compatible_not_several_values(seed_client):
    text = page(seed_client, EVENT)
    compatible = plain(section(text, "compatible"))
    assert "start date" in compatible and "given at different precision" in compatible
    assert "--09-01" in compatible and "2013-09-01" in compatible
    assert "start date" not in plain(section(text, "several"))


def test_event_chart_has_one_mark_per_source_value(seed_client):
    text = page(seed_client, EVENT)
    figure = re.search(
        r'<figure class="chart" data-property="https://w3id.org/claimgraph/ns#deathCount">.*?</figure>',
        text,
        re.S,
    )
    assert figure, "a chart of the death counts"
    wide, narrow = re.findall(r'<svg class="plot (?:wide|narrow)".*?</svg>', figure.group(0), re.S)
    marks = re.findall(r'<circle class="mark[ "][^>]*data-source="([^"]*)" data-value="([^"]*)"', wide)
    # The phone's chart draws the same marks, each name above its row.
    assert sorted(marks) == sorted(
        re.findall(r'<circle class="mark[ "][^>]*data-source="([^"]*)" data-value="([^"]*)"', narrow)
    )
    expected = {(html.unescape(c["label"]), c["value"]) for c in death_counts(seed_client)}
    assert len(marks) == len(expected)
    assert {(html.unescape(s), v) for s, v in marks} == expected
    assert ("U.S. State Department", "50") in expected and ("United Nations officials", "52") in expected
    assert "low 50, high 52" in figure.group(0)
    assert "Nothing is averaged" in text, "the rule is stated"
    # 52 bodies seen (the UN officials) is not set against 50 deaths as one count: the
    # mark says its kind, and the caption gives each kind's range apart.
    assert re.search(
        r'data-source="United Nations officials" data-value="52" data-kind="bodies seen or recovered"',
        figure.group(0),
    )
    assert "bodies seen or recovered: 52" in figure.group(0) and "killed: low 50, high 52" in figure.group(0)
    # …and it is drawn apart and labelled on the chart itself, not only in a tooltip.
    drawn = {
        kind: style
        for style, kind in re.findall(
            r'<circle class="mark (kind-\d)"[^>]*data-kind="([^"]*)"', figure.group(0)
        )
    }
    assert drawn["bodies seen or recovered"] != drawn["killed"]
    assert re.search(r'class="mark-label"[^>]*>52 bodies seen or recovered</text>', figure.group(0))


def test_event_chart_scales_to_the_values_and_keeps_labels_off_the_rules(seed_client):
    text = page(seed_client, EVENT)
    svg = re.search(r'data-property="https://w3id.org/claimgraph/ns#deathCount">.*?</svg>', text, re.S).group(
        0
    )
    ticks = [float(t) for t in re.findall(r'class="tick-label"[^>]*>([^<]+)</text>', svg)]
    # 50 against 52 fills the plot: the axis runs over the values' range, not from zero.
    assert ticks[0] > 0 and ticks[0] <= 50 and 52 <= ticks[-1] < 60
    assert 'class="zero"' not in svg and "does not start at zero" in text
    rules = {float(x) for x in re.findall(r'class="rule (?:low|high)" x1="([\d.]+)"', svg)}
    for x, anchor in re.findall(r'class="mark-label" x="([\d.]+)" y="[\d.]+" text-anchor="(\w+)"', svg):
        assert all(abs(float(x) - r) >= 10 for r in rules), "a label stands beside its mark, off the rules"
        assert anchor in ("start", "end")
    # Whole claimant names, wrapped onto lines.
    names = [
        "".join(re.findall(r"<tspan[^>]*>([^<]*)</tspan>", label)).replace("-", "- ")
        for label in re.findall(r'<text class="row-label".*?</text>', svg, re.S)
    ]
    assert any("000_29cd18593cd2def4.txt" in n.replace(" ", "") for n in names)
    assert not any("…" in n for n in names)


def test_a_bound_is_drawn_as_a_bound(tmp_path, claimgraph, store, client):
    corpus = tmp_path / "bounded"
    shutil.copytree(MINI, corpus)
    sheet = corpus / "doc-a.yaml"
    sheet.write_text(
        sheet.read_text(encoding="utf-8").replace(
            "    wording: dead\n", "    wording: dead\n    bound: at least\n"
        ),
        encoding="utf-8",
    )
    claimgraph.load(store, corpus)
    text = page(client, "/entity/flood-2020")
    svg = re.search(r'<figure class="chart".*?</figure>', text, re.S).group(0)
    assert re.search(r'class="mark-label"[^>]*>≥ 14</text>', svg)
    assert re.search(r'<line class="bound-arrow"[^>]*marker-end="url\(#bound-arrow\)"', svg)
    assert re.search(r'data-value="14" data-kind="[^"]*" data-bound="at least"', svg)
    # The agreement line says the bound too.
    assert "contested: 12 vs ≥ 14 killed" in plain(section(text, "contested"))


def test_document_page_highlights_every_claimed_quote(seed_client):
    text = page(seed_client, "/document/article-000")
    claims = rows(
        seed_client,
        "SELECT ?claim ?exact WHERE { ?claim <http://www.w3.org/ns/prov#wasDerivedFrom> "
        f"<{BASE}document/article-000> ; <https://w3id.org/claimgraph/ns#evidence>/<http://www.w3.org/ns/oa#hasSelector> ?q . "
        "?q <http://www.w3.org/ns/oa#exact> ?exact }",
    )
    assert len(claims) > 50
    pieces = re.findall(
        r'<a class="highlight" href="([^"]+)" data-claims="([^"]*)"[^>]*><mark>(.*?)</mark></a>', text, re.S
    )
    for claim in claims:
        digest = claim["claim"].rsplit("/", 1)[1]
        covered = "".join(html.unescape(t) for _, digests, t in pieces if digest in digests.split())
        assert covered == claim["exact"], f"the quote of {digest} is highlighted whole"
        assert f'id="q-{digest}"' in text
    assert all(href.startswith("http://localhost/claim/") for href, _, _ in pieces), (
        "each highlight links to its claim"
    )
    assert "SHA-256" in text and re.search(r"<code>[0-9a-f]{64}</code>", text)


def test_claimant_page_shows_claims_and_reliance(seed_client):
    text = page(seed_client, "/entity/us-state-department")
    assert "What U.S. State Department claims" in text
    relies = text[text.index("Whom it relies on") : text.index("Who relies on it")]
    assert "Press reports" in relies
    relied = text[text.index("Who relies on it") :]
    relied = relied[: relied.index("</div>")]
    assert "Unnamed author of 000" in relied and "Mujahedeen-e Khalq" in relied
    un = page(seed_client, "/entity/un-officials")
    relied = un[un.index("Who relies on it") :]
    assert "Tahar Boumedra" in relied[: relied.index("</div>")]


def test_claim_page_in_words_in_context_with_chain_and_others(seed_client):
    [un] = [c for c in death_counts(seed_client) if c["claimant"].endswith("/un-officials")][:1]
    text = page(seed_client, "/claim/" + un["claim"].rsplit("/", 1)[1])
    words = " ".join(
        html.unescape(
            re.sub(r"<[^>]+>", " ", text[text.index('class="in-words"') :].split("</p>")[0])
        ).split()
    )
    assert (
        "United Nations officials claims that Attack on Camp Ashraf, 1 September 2013 — death count — 52"
        in words
    )
    assert (
        'id="quote"' in text and 'id="evidence"' in text and 'id="step-0"' in text and 'id="position"' in text
    )
    assert "Tahar Boumedra" in text
    # Its own key is bodies seen: one claim, one source, nothing said to agree with it; the death
    # counts (50, 52 killed) are another count kind, shown apart as other facts.
    agreement = plain(section(text, "agreement"))
    assert "uncontested, from one source: 52 bodies seen or recovered (1 claim)" in agreement
    assert "agrees" not in agreement
    others = section(text, "other-kinds")
    assert "contested: 50 vs 52 killed" in plain(others)
    assert any(line.startswith("50 ") for line in (" ".join(r.split()) for r in table_rows(others)))


def test_a_52_deaths_claim_page_says_contested_not_agreed(seed_client):
    """The agreement line is computed for the claim's own key (subject, property, count kind)."""
    claim = next(
        c for c in death_counts(seed_client) if c["claimant"].endswith("/mek") and c["value"] == "52"
    )
    text = page(seed_client, "/claim/" + claim["claim"].rsplit("/", 1)[1])
    agreement = plain(section(text, "agreement"))
    assert agreement.count("contested: 50 vs 52 killed") == 1 and "agree" not in agreement
    assert (
        "2 independent sources: Mujahedeen-e Khalq (party to the event); Unnamed author of 000_29cd18593cd2def4.txt"
        in agreement
    )
    assert "1 claim from one source: U.S. State Department" not in agreement  # two claims, one source
    assert "2 claims from one source: U.S. State Department" in agreement


def consensus_iris(client, kind: str) -> list[dict[str, str]]:
    return rows(
        client,
        "SELECT ?s ?o ?k WHERE { ?s a <https://w3id.org/claimgraph/ns#" + kind + "> ; "
        "<http://www.w3.org/1999/02/22-rdf-syntax-ns#predicate> <https://w3id.org/claimgraph/ns#deathCount> ; "
        "<http://www.w3.org/1999/02/22-rdf-syntax-ns#object> ?o OPTIONAL { ?s <https://w3id.org/claimgraph/ns#countKind> ?k } }",
    )


def test_consensus_page_lists_its_claims_and_count_kind(seed_client):
    [statement] = consensus_iris(seed_client, "ConsensusStatement")
    assert statement["k"].endswith("#bodies-seen")
    text = page(seed_client, "/consensus/" + statement["s"].rsplit("/", 1)[1])
    said = plain(text[text.index('class="in-words"') :].split("</p>")[0])
    assert "counting bodies seen or recovered" in said and "52 bodies seen or recovered" in said
    assert "asserted in the consensus graph" not in text
    lines = [" ".join(r.split()) for r in table_rows(text)]
    assert len(lines) == 1 and "United Nations officials" in lines[0] and "52 bodies" in lines[0]
    assert "000_29cd18593cd2def4.txt" in lines[0]
    assert "1 claim from one source: United Nations officials" in plain(text)


def test_a_contested_value_has_a_page_of_its_own_kind(seed_client):
    values = {r["o"]: r for r in consensus_iris(seed_client, "ContestedValue")}
    assert set(values) == {"50", "52"} and all(r["k"].endswith("#killed") for r in values.values())
    text = page(seed_client, "/consensus/" + values["52"]["s"].rsplit("/", 1)[1])
    said = plain(text[text.index('class="in-words"') :].split("</p>")[0])
    assert "Contested value" in text and "Every claim in the store" not in text
    assert "52 is one of 2 values that claims of this key give, and only one can be true" in said
    assert "The others: 50 (2 claims from one source: U.S. State Department)" in said
    behind = text[text.index("The claims that give") :]
    behind = behind[: behind.index("</table>")]
    assert len(table_rows(behind)) == 3 and "United Nations officials" not in behind


def test_search_finds_spelling_variants_and_quotes(seed_client):
    text = page(seed_client, "/search", q="Hezballah")
    assert 'href="http://localhost/entity/kataib-hezbollah"' in text and "Kata&#39;ib Hezbollah" in text
    quotes = page(seed_client, "/search", q="52 deaths")
    assert "<mark>52</mark>" in quotes
    listing = page(seed_client, "/search")
    assert "Attack on Camp Ashraf, 1 September 2013" in listing and "document/article-002" in listing


def test_named_query_in_a_browser_is_a_table_with_a_form(seed_client):
    text = page(seed_client, "/queries/casualties-by-source")
    assert '<table class="results stack">' in text and '<input name="event"' in text
    assert "open in the query editor" in text and "/query?query=" in text
    cells = [html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", text)]
    assert "50" in cells and "52" in cells
    one = page(seed_client, "/queries/casualties-by-source", event=f"{BASE}entity/camp-ashraf-attack-2013")
    counts = rows(
        seed_client,
        "SELECT ?claim WHERE { ?claim <http://www.w3.org/1999/02/22-rdf-syntax-ns#subject> "
        f"<{BASE}entity/camp-ashraf-attack-2013> ; <http://www.w3.org/1999/02/22-rdf-syntax-ns#predicate> ?p . "
        "?claim a <https://w3id.org/claimgraph/ns#Claim> . ?p a <https://w3id.org/claimgraph/ns#CountProperty> }",
    )
    assert one.count("<tr>") == len(counts) + 1 > len(death_counts(seed_client)) + 1
    assert (
        seed_client.get("/queries/casualties-by-source", headers={"Accept": "text/csv"}).mimetype
        == "text/csv"
    )


def test_query_page_opens_on_casualties_by_source(seed_client):
    text = page(seed_client, "/")
    titles = re.findall(r'"title": "([^"]+)"', text)
    assert titles[0] == "Casualties by source"


def test_pages_are_readable_without_javascript(seed_client):
    for path in (EVENT, "/document/article-000", "/entity/us-state-department", "/search", "/ns"):
        text = page(seed_client, path)
        assert "<script" not in text, path
        assert '<meta name="viewport"' in text
        assert "//cdn" not in text and "https://" not in text.split("<body>")[0].replace(
            "https://w3id.org", ""
        )


def test_event_page_gives_each_rules_range_with_the_claims_left_out(seed_client):
    text = page(seed_client, EVENT)
    ranges = section(text, "ranges")
    rows_ = {
        rule: " ".join(plain(row).split())
        for rule, row in re.findall(r'<tr data-rule="([^"]+)">(.*?)</tr>', ranges, re.S)
    }
    assert set(rows_) == {"every-value", "independent-sources", "most-conservative", "excluding-parties"}
    assert (
        rows_["excluding-parties"].count("its claimant, Mujahedeen-e Khalq, is declared party to the event")
        == 2
    )
    assert (
        'href="https://w3id.org/claimgraph/range-rules#independent-sources"' in ranges and "v1.0.0" in ranges
    )
    assert " 50 52 — 5:" in rows_["every-value"]
    assert " 52 52 — 3:" in rows_["independent-sources"]
    assert (
        rows_["independent-sources"].count("50 is given by one independent source (U.S. State Department)")
        == 2
    )
    assert " 50 52 50 5:" in rows_["most-conservative"]
    # The chart offers the same rules, and draws each rule's low and high.
    assert re.search(
        r'<input type="radio" name="rule" id="rule-every-value" value="every-value" checked>', text
    )
    assert (
        'class="range rule-independent-sources" data-rule="https://w3id.org/claimgraph/range-rules#independent-sources"'
        in text
    )


def test_void_in_a_browser_is_a_page_not_a_turtle_dump(seed_client):
    text = page(seed_client, "/.well-known/void")
    turtle = seed_client.get("/.well-known/void", headers={"Accept": "text/turtle"}).get_data(as_text=True)
    triples = re.search(r"void:triples (\d+) ;\s*void:uriSpace", turtle).group(1)
    main = plain(text[text.index("<main>") : text.index("<details>")])
    assert "title claimgraph: contested claims with their sources" in main
    assert f"triples {triples}" in main
    assert "@prefix" not in main and "void:" not in main, "the description is read out, not dumped"
    assert "223 × Claim" in main, "the claims of the seed corpus"
    graphs = section_table(text, "Its graphs")
    assert f"{BASE}graph/registry" in graphs and f"{BASE}graph/corpus/seeds" in graphs
    assert "claimgraph.trig.gz" in section_table(text, "Downloads")
    assert "<summary>The description in Turtle</summary>" in text and "@prefix" in text


def section_table(text: str, heading: str) -> str:
    part = text[text.index(f"<h2>{heading}") :]
    return plain(part[: part.index("</table>")])


def test_every_property_has_a_label_for_people(seed_client):
    """schema.org, PROV, Dublin Core and SKOS terms are named by their vocabularies' labels, in
    words ("start date", "member of"), never by their IRIs' last segment ("startDate", "ns#deathCount")."""
    shown = []
    for path in (EVENT, "/entity/mek", "/entity/us-state-department", "/document/article-000"):
        shown += re.findall(r"<a [^>]*>([^<]+)</a>", page(seed_client, path))
    named = page(seed_client, "/queries/casualties-by-source")
    shown += re.findall(r'<td data-label="[^"]*"><a [^>]*>([^<]+)</a>', named)
    raw = {t for t in shown if re.fullmatch(r"[a-z]+[A-Z]\w*", t) or re.search(r"\w#\w", t)}
    assert not raw, raw
    assert {"start date", "member of", "death count", "killed"} <= set(shown)


def test_a_corpus_is_a_page_of_its_own(seed_client):
    """``/corpus/<name>``: its documents, the entities it declares, the writes that touched it."""
    text = page(seed_client, "/corpus/seeds")
    declared = rows(
        seed_client,
        f"SELECT ?e WHERE {{ <{BASE}corpus/seeds> <https://w3id.org/claimgraph/ns#declares> ?e }}",
    )
    documents = plain(section(text, "documents"))
    assert "Documents (2)" in documents and "Iran proxies murdered MEK members" in documents
    assert f"Entities it declares ({len(declared)})" in plain(section(text, "declared"))
    assert 'href="http://localhost/entity/camp-ashraf-attack-2013"' in section(text, "declared")
    history = plain(section(text, "history"))
    assert "#1 load by operator" in history and "article-000 added" in history
    # The listing links the corpus to this page, and programs get its description.
    assert 'href="http://localhost/corpus/seeds"' in page(seed_client, "/browse")
    turtle = seed_client.get("/corpus/seeds", headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200 and b"holdsDocument" in turtle.data
    missing = seed_client.get("/corpus/no-such-corpus", headers=BROWSER)
    assert missing.status_code == 404 and "no-such-corpus" in missing.get_data(as_text=True)
