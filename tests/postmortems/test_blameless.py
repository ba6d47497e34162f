"""The blamelessness check over a postmortem, through the API and on its page: every section
and the 5 Whys, with the directory's people; shown, never enforced."""

from __future__ import annotations

import httpx

from tests.builders import ok, person
from tests.conftest import Api, sign_in
from tests.postmortems.conftest import opened


def test_findings_name_section_field_span_and_a_rewording(api: Api) -> None:
    _, pm, _ = opened(api)
    dana = person(api, "Dana")
    summary = f"Checkout failed for 20 minutes. {dana['name']} forgot to rotate the key."
    sections = {
        "summary": {"text": summary},
        "root_cause": {
            "text": "",
            "whys": [
                {"why": "Did the key expire?", "because": "human error"},
                {"why": "Was it not rotated?", "because": "the rotation is a manual step"},
            ],
        },
        "went_well": {"text": f"@{dana['handle']} restarted the service, which restored it."},
        "lessons": {"text": "The deploy broke the checkout; rotation must be automatic."},
    }
    ok(api.responder.patch(f"/api/v1/postmortems/{pm['id']}/sections", json={"sections": sections}))
    report = ok(api.viewer.get(f"/api/v1/postmortems/{pm['id']}/blameless"))
    assert report["postmortem_id"] == pm["id"]
    found = [(f["section"], f["field"], f["excerpt"]) for f in report["findings"]]
    assert found == [
        ("summary", "text", "Dana forgot"),
        ("root_cause", "whys[0].because", "human error"),
    ]
    first = report["findings"][0]
    assert summary[first["start"] : first["end"]] == "Dana forgot"
    assert first["sentence"] == "Dana forgot to rotate the key."
    assert first["suggestion"].startswith("The step to rotate the key depended on a manual")
    # shown, not enforced: the review still starts
    body = {"status": "in_review", "reviewers": [{"name": "Kim"}]}
    ok(api.responder.post(f"/api/v1/postmortems/{pm['id']}/status", json=body))


def test_the_page_shows_findings_beside_their_section_escaped(api: Api) -> None:
    _, pm, _ = opened(api)
    text = "<b>x</b> The engineer was careless."
    sections = {"summary": {"text": text}, "lessons": {"text": "Retries need backoff."}}
    ok(api.responder.patch(f"/api/v1/postmortems/{pm['id']}/sections", json={"sections": sections}))
    with httpx.Client(base_url=api.url, follow_redirects=True) as browser:
        sign_in(browser, api, "viewer")
        page = browser.get(f"/postmortems/{pm['id']}").text
    summary = page.split('id="section-summary"')[1].split("</section>")[0]
    assert 'id="blameless-summary"' in summary and "<mark>careless</mark>" in summary
    assert "&lt;b&gt;x&lt;/b&gt; The engineer was careless." in summary
    assert 'id="blameless-lessons"' not in page


def test_an_unknown_postmortem_is_404_and_a_token_is_needed(api: Api) -> None:
    assert api.viewer.get("/api/v1/postmortems/999999999/blameless").status_code == 404
    assert httpx.get(f"{api.url}/api/v1/postmortems/1/blameless").status_code == 401
