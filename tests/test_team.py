"""A team runs claimgraph: one server holds the store, curators write through it with
tokens of their own, and the history records each acknowledged write once, in commit order."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
import requests

from claimgraph.cli import main

from .conftest import DATA, Servers, serve_options
from .live import BASE, live_server

TOKEN = "the-operators-token"
CG = "https://w3id.org/claimgraph/ns#"
PROV = "http://www.w3.org/ns/prov#"


@pytest.fixture(params=["embedded", "oxigraph", "virtuoso"])
def server(request, tmp_path: Path, servers: Servers):
    store, options = serve_options(request.param, servers, tmp_path / "store", "scratch")
    with live_server(store, token=TOKEN, query_workers=1, **options) as live:
        live.backend = request.param
        live.store = store
        live.options = options
        yield live


def history(url: str) -> list[dict]:
    query = f"""SELECT ?n ?kind ?who ?reason WHERE {{ GRAPH <{BASE}graph/history> {{
        ?a <{CG}sequence> ?n ; <{CG}requestKind> ?kind ; <{PROV}wasAssociatedWith> ?who .
        OPTIONAL {{ ?a <{CG}reason> ?reason }} }} }} ORDER BY ?n"""
    response = requests.post(
        url + "/sparql", data={"query": query}, headers={"Accept": "application/sparql-results+json"}
    )
    assert response.status_code == 200, response.text
    rows = response.json()["results"]["bindings"]
    return [{k: v["value"] for k, v in row.items()} for row in rows]


def cli(runner, *args: str):
    return runner.invoke(main, list(args), catch_exceptions=False)


def test_a_team_writes_through_the_one_server(server, runner, tmp_path):
    url = server.url + "/"
    with_token = ["--server", url, "--token", TOKEN]
    if server.backend == "embedded":
        # The server holds the store: a local load says how to send it through the server.
        local = cli(runner, "load", str(DATA / "mini"), "--store", str(server.store), "--base-iri", BASE)
        assert local.exit_code == 2 and "--server http://" in local.output
    loaded = cli(runner, "load", str(DATA / "mini"), *with_token, "--reason", "first corpus")
    assert loaded.exit_code == 0, loaded.output
    assert history(server.url) == [
        {"n": "1", "kind": "load", "who": f"{BASE}curator/operator", "reason": "first corpus"}
    ]

    added = cli(runner, "curators", "add", "alice", *with_token)
    assert added.exit_code == 0, added.output
    alice = added.output.strip().splitlines()[-1]
    listed = cli(runner, "curators", "list", *with_token)
    assert listed.exit_code == 0 and listed.output.startswith("alice\t") and "active" in listed.output
    as_alice = ["--server", url, "--token", alice]
    second = cli(runner, "load", str(DATA / "second"), *as_alice)
    assert second.exit_code == 0, second.output
    assert [(e["kind"], e["who"].rsplit("/", 1)[1]) for e in history(server.url)] == [
        ("load", "operator"),
        ("curator", "operator"),
        ("load", "alice"),
    ]
    assert cli(runner, "validate", str(DATA / "second"), "--against-store", *as_alice).exit_code == 0
    # Curators are the operator's to administer.
    assert cli(runner, "curators", "add", "mallory", *as_alice).exit_code == 2

    # A bad corpus: every problem with sheet and line, and the store and history as they were.
    bad = tmp_path / "bad"
    shutil.copytree(DATA / "second", bad)
    sheet = bad / "radio.yaml"
    sheet.write_text(sheet.read_text().replace("quote: left 12 dead", "quote: left 13 dead"))
    before = history(server.url)
    refused = cli(runner, "load", str(bad), *as_alice)
    assert refused.exit_code == 2 and "radio.yaml:" in refused.output, refused.output
    assert history(server.url) == before

    # Revoked on the running server: refused at once.
    assert cli(runner, "curators", "revoke", "alice", *with_token).exit_code == 0
    denied = cli(runner, "withdraw", "radio-report", *as_alice)
    assert denied.exit_code == 2 and "revoked" in denied.output
    unknown = cli(runner, "withdraw", "radio-report", "--server", url, "--token", "nobody")
    assert unknown.exit_code == 2
    withdrawn = cli(runner, "withdraw", "radio-report", *with_token, "--reason", "a duplicate")
    assert withdrawn.exit_code == 0, withdrawn.output
    last = history(server.url)[-1]
    assert (last["kind"], last["reason"]) == ("withdraw", "a duplicate")


def test_concurrent_writers_are_serialised_and_each_write_is_recorded_once(server):
    headers = {"Authorization": f"Bearer {TOKEN}"}
    results: list[int] = []

    def write(i: int) -> None:
        update = f"INSERT DATA {{ GRAPH <{BASE}graph/upload/t{i}> {{ <http://e/s{i}> a <http://e/T> }} }}"
        response = requests.post(
            server.url + "/update", data={"update": update}, headers=headers, timeout=120
        )
        results.append(response.status_code)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200] * 6
    entries = history(server.url)
    assert [e["n"] for e in entries] == [str(i) for i in range(1, 7)]
    assert all(e["kind"] == "update" for e in entries)


def test_an_upload_cut_short_is_resumed_and_commits_whole(server, runner):
    from claimgraph.api import ServerClient

    client = ServerClient(server.url, TOKEN)
    upload = client.request("POST", "uploads", corpus="mini")["upload"]
    first = sorted((DATA / "mini").iterdir())[0]
    client.request("PUT", f"uploads/{upload}/{first.name}", body=first.read_bytes())
    assert client.request("GET", f"uploads/{upload}")["files"] == [first.name]
    assert history(server.url) == []  # nothing is written before the last request
    resumed = cli(
        runner, "load", str(DATA / "mini"), "--server", server.url, "--token", TOKEN, "--upload", upload
    )
    assert resumed.exit_code == 0, resumed.output
    assert [e["kind"] for e in history(server.url)] == ["load"]
    gone = cli(
        runner, "load", str(DATA / "mini"), "--server", server.url, "--token", TOKEN, "--upload", upload
    )
    assert gone.exit_code == 2 and "no upload" in gone.output


def test_a_token_revoked_by_another_process_is_refused_by_the_running_server(server):
    """On a SPARQL server, another claimgraph process may revoke a token; the running server
    checks the token inside each write against the curators as the store holds them then."""
    if server.backend == "embedded":
        pytest.skip("the embedded store has one process: the server (covered by the --server test)")
    from claimgraph.api import Claimgraph

    from .live import settings_for

    other = Claimgraph(settings_for(server.store, **server.options, token=TOKEN))
    store = other.open_store()
    try:
        _curator, token = other.add_curator(store, "bob")
    finally:
        store.close()
    headers = {"Authorization": f"Bearer {token}"}
    update = {"update": f"INSERT DATA {{ GRAPH <{BASE}graph/upload/x> {{ <http://e/s> a <http://e/T> }} }}"}
    assert requests.post(server.url + "/update", data=update, headers=headers, timeout=60).status_code == 200
    store = other.open_store()
    try:
        other.revoke_curator(store, "bob")
    finally:
        store.close()
    refused = requests.post(server.url + "/update", data=update, headers=headers, timeout=60)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "revoked"
