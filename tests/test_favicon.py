"""The icon every browser asks a site for, so that no page's first request is a 404."""

from __future__ import annotations

from flask.testing import FlaskClient


def test_the_favicon_is_served(client: FlaskClient):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype in {"image/vnd.microsoft.icon", "image/x-icon"}
    body = response.get_data()
    assert body[:4] == b"\x00\x00\x01\x00" and b"PNG" in body[:40]  # an ICO holding a PNG
