"""Behind a reverse proxy: the headers of a trusted proxy give links their public scheme, host and
base path (``--trusted-proxy``; docs/how-to/deploy.md), and nobody else's headers do."""

from __future__ import annotations

import requests

from .live import MINI, live_server, shared_store

FORWARDED = {
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "data.example.org",
    "X-Forwarded-Prefix": "/cg",
    "Accept": "application/json",
}


def links(url: str) -> tuple[str, str]:
    listing = requests.get(url + "/queries/", headers=FORWARDED, timeout=30).json()["queries"]
    page = requests.get(url + "/", headers={**FORWARDED, "Accept": "text/html"}, timeout=30).text
    return listing[0]["url"], page


def test_a_trusted_proxy_gives_links_their_public_scheme_host_and_base_path():
    with live_server(shared_store(MINI), trusted_proxy="127.0.0.1") as server:
        url, page = links(server.url)
        assert url.startswith("https://data.example.org/cg/queries/")
        assert 'src="/cg/static/vendor/yasgui.min.js"' in page
        # The proxy strips the base path before it passes a request on: the routes stay at /.
        direct = requests.get(
            server.url + "/sparql", params={"query": "ASK {}"}, headers=FORWARDED, timeout=30
        )
        assert direct.status_code == 200


def test_without_a_trusted_proxy_the_headers_are_not_believed():
    with live_server(shared_store(MINI)) as server:
        url, page = links(server.url)
        assert url.startswith(server.url + "/queries/")
        assert 'src="/static/vendor/yasgui.min.js"' in page
