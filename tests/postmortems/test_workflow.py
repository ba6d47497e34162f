"""Sections on the template, the review (reviewers comment per section), publishing (the
incident's learning phase is then done, and it can close) and read-only once published."""

from __future__ import annotations

from typing import Any

import httpx

from tests.builders import incident, ok, person, timeline
from tests.conftest import Api, sign_in
from tests.postmortems.conftest import opened


def patch_sections(api: Api, pm_id: int, sections: dict[str, Any]) -> Any:
    return api.responder.patch(f"/api/v1/postmortems/{pm_id}/sections", json={"sections": sections})


def move(api: Api, pm_id: int, status: str, **body: Any) -> Any:
    return api.responder.post(
        f"/api/v1/postmortems/{pm_id}/status", json={"status": status, **body}
    )


WHYS = [
    {"why": "Did checkout fail?", "because": "the payments pool was exhausted"},
    {"why": "Was it exhausted?", "because": "retries had no backoff"},
    {"why": "Had they no backoff?", "because": "the client library default was used"},
]


def test_sections_follow_the_template_and_keep_what_is_written(api: Api) -> None:
    _, pm, _ = opened(api)
    sections = ok(api.viewer.get(f"/api/v1/postmortems/{pm['id']}/sections"))
    assert [s["key"] for s in sections][:3] == ["summary", "impact", "timeline"]
    assert sections[0]["title"] == "Summary" and sections[0]["prompt"]
    written = ok(
        patch_sections(
            api,
            pm["id"],
            {
                "summary": {"text": "Checkout failed for 20 minutes."},
                "root_cause": {"text": "", "whys": WHYS},
                "impact": {"customers_affected": 120},
            },
        )
    )
    by_key = {s["key"]: s for s in written}
    assert by_key["summary"]["content"]["text"] == "Checkout failed for 20 minutes."
    assert by_key["root_cause"]["content"]["whys"] == WHYS
    assert by_key["impact"]["content"]["customers_affected"] == 120
    assert by_key["summary"]["updated_by"]


def test_bad_sections_are_422_naming_the_field(api: Api) -> None:
    _, pm, _ = opened(api)
    unknown = patch_sections(api, pm["id"], {"nope": {"text": "x"}})
    assert unknown.status_code == 422 and unknown.json()["field"] == "sections"
    chain = patch_sections(api, pm["id"], {"root_cause": {"whys": [{"why": "x"}]}})
    assert chain.status_code == 422 and chain.json()["field"] == "sections.root_cause.whys[0]"
    empty = patch_sections(api, pm["id"], {})
    assert empty.status_code == 422
    assert api.viewer.patch(f"/api/v1/postmortems/{pm['id']}/sections", json={}).status_code == 403


def test_review_comment_publish_then_the_incident_can_close(api: Api) -> None:
    iid, pm, _ = opened(api)
    pid = pm["id"]
    close = {"status": "closed"}
    refused = api.responder.post(f"/api/v1/incidents/{iid}/status", json=close)
    assert refused.status_code == 409  # learning pending
    no_reviewer = move(api, pid, "in_review")
    assert no_reviewer.status_code == 422 and no_reviewer.json()["field"] == "reviewers"
    early = api.responder.post(
        f"/api/v1/postmortems/{pid}/comments", json={"section": "summary", "body": "Hm"}
    )
    assert early.status_code == 409  # comments belong to the review
    assert move(api, pid, "published").status_code == 409  # not without a review
    reviewer = person(api, "Rae")
    reviewing = ok(
        move(api, pid, "in_review", reviewers=[{"person_id": reviewer["id"]}, {"name": "Kim"}])
    )
    assert reviewing["status"] == "in_review" and not reviewing["draft_overdue"]
    assert [r["name"] for r in reviewing["reviewers"]] == ["Rae", "Kim"]
    comment = ok(
        api.responder.post(
            f"/api/v1/postmortems/{pid}/comments",
            json={"section": "root_cause", "body": "Go one why deeper."},
        ),
        201,
    )
    assert comment["section"] == "root_cause"
    bad = api.responder.post(
        f"/api/v1/postmortems/{pid}/comments", json={"section": "nope", "body": "x"}
    )
    assert bad.status_code == 422 and bad.json()["field"] == "section"
    assert ok(move(api, pid, "draft"))["status"] == "draft"  # changes requested
    assert ok(move(api, pid, "in_review"))["status"] == "in_review"  # reviewers kept
    published = ok(move(api, pid, "published"))
    assert published["status"] == "published" and published["published_at"]
    assert incident(api, iid)["learning"] == "done"
    assert [e["data"]["to"] for e in timeline(api, iid, "learning_settled")] == ["done"]
    ok(api.responder.post(f"/api/v1/incidents/{iid}/status", json=close))
    comments = ok(api.viewer.get(f"/api/v1/postmortems/{pid}/comments"))
    assert [c["body"] for c in comments] == ["Go one why deeper."]


def test_a_published_postmortem_is_read_only(api: Api) -> None:
    _, pm, _ = opened(api)
    pid = pm["id"]
    ok(move(api, pid, "in_review", reviewers=[{"name": "Kim"}]))
    ok(move(api, pid, "published"))
    assert patch_sections(api, pid, {"summary": {"text": "later"}}).status_code == 409
    assert move(api, pid, "draft").status_code == 409
    body = {"title": "Add backoff", "owner": {"name": "Kim"}}
    added = api.responder.post(f"/api/v1/postmortems/{pid}/action-items", json=body)
    assert added.status_code == 409


def test_a_waived_incident_still_closes_and_publishing_later_changes_nothing(api: Api) -> None:
    iid, pm, _ = opened(api)
    waive = {"state": "waived", "reason": "covered by the INC-1 review"}
    ok(api.responder.put(f"/api/v1/incidents/{iid}/learning", json=waive))
    ok(api.responder.post(f"/api/v1/incidents/{iid}/status", json={"status": "closed"}))
    ok(move(api, pm["id"], "in_review", reviewers=[{"name": "Kim"}]))
    ok(move(api, pm["id"], "published"))
    assert incident(api, iid)["learning"] == "waived"


def test_the_page_renders_the_document_escaped(api: Api) -> None:
    _, pm, _ = opened(api)
    ok(patch_sections(api, pm["id"], {"summary": {"text": "<script>alert(1)</script>"}}))
    with httpx.Client(base_url=api.url, follow_redirects=True) as browser:
        sign_in(browser, api, "viewer")
        page = browser.get(f"/postmortems/{pm['id']}")
        incident_page = browser.get(f"/incidents/{pm['incident_id']}")
    assert f'href="/postmortems/{pm["id"]}"' in incident_page.text
    assert page.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<script>alert(1)" not in page.text
    assert "Root cause (5 Whys)" in page.text


def test_postmortems_are_listed_newest_first_by_status(api: Api) -> None:
    _, first, _ = opened(api)
    _, second, _ = opened(api)
    ok(move(api, second["id"], "in_review", reviewers=[{"name": "Kim"}]))
    page = ok(api.viewer.get("/api/v1/postmortems", params={"limit": 200}))
    ids = [p["id"] for p in page["items"]]
    assert ids.index(second["id"]) < ids.index(first["id"])
    reviewing = ok(api.viewer.get("/api/v1/postmortems", params={"status": "in_review"}))
    assert second["id"] in [p["id"] for p in reviewing["items"]]
    assert first["id"] not in [p["id"] for p in reviewing["items"]]
    assert api.viewer.get("/api/v1/postmortems", params={"status": "done"}).status_code == 422
