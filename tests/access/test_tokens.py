"""API tokens: every call needs one, roles limit what it may do, revocation works."""

from __future__ import annotations

from sqlalchemy import select

from tests.conftest import Api
from tocsin.access import service
from tocsin.access.tables import ApiToken
from tocsin.core.roles import AccessRole


def test_no_token_or_bad_token_is_401(api: Api) -> None:
    with api.anonymous() as client:
        assert client.get("/api/v1/incidents").status_code == 401
        bad = client.get("/api/v1/incidents", headers={"Authorization": "Bearer tcn_nope"})
        assert bad.status_code == 401
        assert "unknown or revoked" in bad.json()["message"]


def test_viewer_reads_but_cannot_change(api: Api) -> None:
    assert api.viewer.get("/api/v1/incidents").status_code == 200
    refused = api.viewer.post("/api/v1/incidents", json={"title": "x", "severity": "SEV4"})
    assert refused.status_code == 403
    assert "responder" in refused.json()["message"]


def test_only_admins_manage_tokens(api: Api) -> None:
    assert (
        api.responder.post("/api/v1/tokens", json={"name": "x", "role": "viewer"}).status_code
        == 403
    )
    created = api.admin.post("/api/v1/tokens", json={"name": "grafana", "role": "viewer"})
    assert created.status_code == 201
    token = created.json()["token"]
    assert token.startswith("tcn_")
    with api.anonymous() as client:
        headers = {"Authorization": f"Bearer {token}"}
        assert client.get("/api/v1/incidents", headers=headers).status_code == 200
        api.admin.delete(f"/api/v1/tokens/{created.json()['id']}")
        assert client.get("/api/v1/incidents", headers=headers).status_code == 401
    listed = {t["name"]: t for t in api.admin.get("/api/v1/tokens").json()}
    assert listed["grafana"]["revoked_at"] is not None
    assert "token" not in listed["grafana"]


def test_tokens_are_stored_as_digests(api: Api) -> None:
    created = service.create_token(
        api.db, name="digest-check", role=AccessRole.VIEWER, created_by="t"
    )
    with api.db.reading() as session:
        row = session.scalar(select(ApiToken).where(ApiToken.id == created.id))
        assert row is not None
        assert created.token not in (row.digest, row.prefix, row.name)
        assert row.digest == service.digest(created.token)


def test_unknown_token_id_is_404(api: Api) -> None:
    response = api.admin.delete("/api/v1/tokens/999999")
    assert response.status_code == 404
    assert response.json()["field"] == "token_id"
