"""Full-text search across postmortems, on each database's own engine: every part of the
postmortem is found, the best hit comes first, snippets are escaped, a bad ``q`` is a 422."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.builders import declare, ok, unique
from tests.conftest import Api
from tests.postmortems.conftest import postmortem_of


def word() -> str:
    """A word no other test writes (letters and digits: one token on both engines)."""
    return "w" + uuid.uuid4().hex[:10]


def opened(api: Api, title: str) -> dict[str, Any]:
    """An incident titled ``title`` with a postmortem opened by hand."""
    iid = declare(api, title=title, services=[unique("svc")])["id"]
    ok(api.responder.post(f"/api/v1/incidents/{iid}/postmortem"), 201)
    return postmortem_of(api, iid)


def write(api: Api, pm_id: int, sections: dict[str, Any]) -> None:
    url = f"/api/v1/postmortems/{pm_id}/sections"
    ok(api.responder.patch(url, json={"sections": sections}))


def search(api: Api, q: str) -> list[dict[str, Any]]:
    hits: list[dict[str, Any]] = ok(api.viewer.get("/api/v1/postmortems/search", params={"q": q}))
    return hits


def found(api: Api, q: str) -> list[int]:
    return [hit["postmortem_id"] for hit in search(api, q)]


def test_every_part_of_a_postmortem_is_found(api: Api) -> None:
    title, summary, why, because, item = word(), word(), word(), word(), word()
    pm = opened(api, f"Checkout {title} errors")
    write(
        api,
        pm["id"],
        {
            "summary": {"text": f"Payments failed because of {summary}."},
            "root_cause": {"text": "", "whys": [{"why": f"Why {why}?", "because": because}]},
        },
    )
    url = f"/api/v1/postmortems/{pm['id']}/action-items"
    ok(
        api.responder.post(url, json={"title": f"Add {item} to retries", "owner": {"name": "Kim"}}),
        201,
    )
    for q in (title, summary, why, because, item):
        assert found(api, q) == [pm["id"]], q
    [hit] = search(api, summary)
    assert hit["incident_id"] == pm["incident_id"] and hit["url"] == f"/postmortems/{pm['id']}"
    assert hit["incident_title"] == f"Checkout {title} errors" and hit["rank"] == 1
    assert f"<mark>{summary}</mark>" in hit["snippet"]


def test_edits_are_searchable_at_once_and_old_text_is_not(api: Api) -> None:
    old, new, retitled = word(), word(), word()
    pm = opened(api, "Queue backlog")
    write(api, pm["id"], {"lessons": {"text": f"We learned {old}."}})
    assert found(api, old) == [pm["id"]]
    write(api, pm["id"], {"lessons": {"text": f"We learned {new}."}})
    assert found(api, old) == [] and found(api, new) == [pm["id"]]
    patch = {"title": f"Queue backlog {retitled}"}
    ok(api.responder.patch(f"/api/v1/incidents/{pm['incident_id']}", json=patch))
    assert found(api, retitled) == [pm["id"]]


def test_a_hit_in_the_title_ranks_above_one_in_the_text(api: Api) -> None:
    shared = word()
    in_text = opened(api, "Database failover")
    write(api, in_text["id"], {"went_poorly": {"text": f"The {shared} dashboard was slow."}})
    in_title = opened(api, f"Database {shared} outage")
    elsewhere = opened(api, "Cache eviction storm")
    write(api, elsewhere["id"], {"summary": {"text": "Nothing like that word."}})
    hits = search(api, shared)
    assert [h["postmortem_id"] for h in hits] == [in_title["id"], in_text["id"]]
    assert [h["rank"] for h in hits] == [1, 2] and hits[0]["score"] > hits[1]["score"]


def test_phrases_exclusions_and_or(api: Api) -> None:
    a, b, c = word(), word(), word()
    first = opened(api, "Disk full")
    write(api, first["id"], {"summary": {"text": f"{a} {b} then more"}})
    second = opened(api, "Disk slow")
    write(api, second["id"], {"summary": {"text": f"{b} happened after {a} and {c}"}})
    assert found(api, f'"{a} {b}"') == [first["id"]]
    assert found(api, f"{a} -{c}") == [first["id"]]
    assert sorted(found(api, f"{c} or {a}")) == sorted([first["id"], second["id"]])


def test_snippets_are_escaped(api: Api) -> None:
    needle = word()
    pm = opened(api, "Renderer crash")
    text = f'<script>alert("x")</script> the {needle} & more <b>bold</b>'  # "&" after it:
    # PostgreSQL's fragment may start at the match
    write(api, pm["id"], {"summary": {"text": text}})
    [hit] = search(api, needle)
    snippet = hit["snippet"]
    assert f"<mark>{needle}</mark>" in snippet and "&amp; more" in snippet
    # nothing but the marks is markup (PostgreSQL's headline drops tags; SQLite keeps them)
    bare = snippet.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in bare and ">" not in bare
    if api.backend == "sqlite":
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in snippet


@pytest.mark.parametrize(
    "q",
    ["", "   ", "x" * 201, '"', "- -", f"-{'y' * 8}", "!!! ???", "(((", "a " * 17],
)
def test_a_bad_query_is_a_422_naming_q(api: Api, q: str) -> None:
    response = api.viewer.get("/api/v1/postmortems/search", params={"q": q})
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "q"


@pytest.mark.parametrize(
    "q",
    [
        "NEAR(a b)",
        "a AND OR NOT",
        "title:x",
        '"unterminated',
        "a* ^b",
        "'; DROP TABLE x; --",
        "{a}",
    ],
)
def test_engine_syntax_in_a_query_is_only_text(api: Api, q: str) -> None:
    response = api.viewer.get("/api/v1/postmortems/search", params={"q": q})
    assert response.status_code == 200, response.text
    assert isinstance(response.json(), list)


def test_no_q_at_all_is_a_422(api: Api) -> None:
    response = api.viewer.get("/api/v1/postmortems/search")
    assert response.status_code == 422
    assert "q" in response.text
