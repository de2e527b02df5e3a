"""The server comes up on a free port, migrated and seeded."""

from __future__ import annotations

import httpx


def test_health(server_url: str) -> None:
    response = httpx.get(f"{server_url}/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_unknown_path_is_an_enveloped_404(server_url: str) -> None:
    response = httpx.post(f"{server_url}/api/v1/integration/nope", json={})
    assert response.status_code == 404
    assert response.json() == {
        "success": False,
        "code": "ERRGEN40401",
        "message": "Endpoint tidak ditemukan.",
    }
