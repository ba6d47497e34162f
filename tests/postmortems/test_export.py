"""A postmortem exports to Markdown and to PDF from the same document; the PDF is read back
with pdftotext (poppler-utils, installed by `make test`)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.builders import ok
from tests.conftest import Api, run_cli, use_cli
from tests.e2e.conftest import require_binary
from tests.postmortems.conftest import opened
from tocsin.postmortems import pdf, service

WHYS = [
    {"why": "Did checkout fail?", "because": "the payments pool was exhausted"},
    {"why": "Was it exhausted?", "because": "retries had no backoff"},
]
UNICODE = "Café → résumé — naïve"


def written(api: Api) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A postmortem with text in several sections, a 5 Whys chain, a starred timeline entry
    and an action item; returns it and its sections."""
    _, pm, _ = opened(api)
    sections = {
        "summary": {"text": f"Checkout failed. {UNICODE}. <script>alert(1)</script>"},
        "root_cause": {"text": "Two whys.", "whys": WHYS},
        "lessons": {"text": "# not a heading\n* not a list"},
    }
    pid = pm["id"]
    done = ok(
        api.responder.patch(f"/api/v1/postmortems/{pid}/sections", json={"sections": sections})
    )
    entry = ok(api.viewer.get(f"/api/v1/postmortems/{pid}/timeline"))[0]
    body = {"note": "the turning point", "starred": True}
    ok(api.responder.put(f"/api/v1/postmortems/{pid}/timeline/{entry['entry']}", json=body))
    item = {"title": "Add backoff | jitter", "owner": {"name": "Kim"}, "priority": "high"}
    ok(api.responder.post(f"/api/v1/postmortems/{pid}/action-items", json=item), 201)
    return pm, done


def test_markdown_has_a_heading_per_section_whys_timeline_and_items(api: Api) -> None:
    pm, sections = written(api)
    response = api.viewer.get(f"/api/v1/postmortems/{pm['id']}/export.md")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/markdown")
    assert "attachment" in response.headers["content-disposition"]
    text = response.text
    lines = text.splitlines()
    assert lines[0] == f"# Postmortem: {pm['incident_reference']} · {pm['incident_title']}"
    headings = [line[3:] for line in lines if line.startswith("## ")]
    assert headings == [s["title"] for s in sections]
    assert "1. **Why?** Did checkout fail? **Because:** the payments pool was exhausted" in lines
    assert "2. **Why?** Was it exhausted? **Because:** retries had no backoff" in lines
    assert "| When | What | Who | Note |" in lines
    starred = [line for line in lines if "the turning point" in line]
    assert len(starred) == 1 and "| ★ " in starred[0]
    assert "| Priority | Action | Owner | Due | Status | Tracker |" in lines
    assert any(
        line.startswith("| P1 | Add backoff \\| jitter | Kim | — | open |") for line in lines
    )
    assert UNICODE in text
    assert "\\<script\\>alert(1)\\</script\\>" in text and "<script>" not in text
    assert "\\# not a heading\\" in lines and "\\* not a list" in lines  # a hard break
    assert "_Not written yet._" in lines


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    pdftotext = require_binary("pdftotext", "poppler-utils")
    path = tmp_path / "postmortem.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(
        [pdftotext, "-layout", str(path), "-"], capture_output=True, check=True, timeout=60
    )
    return " ".join(done.stdout.decode().split())


def test_the_pdf_holds_the_title_every_heading_and_the_text_as_written(
    api: Api, tmp_path: Path
) -> None:
    pm, sections = written(api)
    response = api.viewer.get(f"/api/v1/postmortems/{pm['id']}/export.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    text = pdf_text(response.content, tmp_path)
    assert f"Postmortem: {pm['incident_reference']} · {pm['incident_title']}" in text
    for section in sections:
        assert section["title"] in text
    assert UNICODE in text
    assert "<script>alert(1)</script>" in text
    assert "Why? Did checkout fail? Because: the payments pool was exhausted" in text
    assert "Add backoff | jitter" in text and "the turning point" in text


def test_an_unknown_postmortem_does_not_export(api: Api) -> None:
    for kind in ("md", "pdf"):
        assert api.viewer.get(f"/api/v1/postmortems/999999999/export.{kind}").status_code == 404


@pytest.mark.parametrize("kind", ["md", "pdf"])
def test_the_cli_writes_the_export_to_a_file(
    api: Api, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, kind: str
) -> None:
    pm, _ = written(api)
    use_cli(api, monkeypatch, "viewer")
    target = tmp_path / f"pm.{kind}"
    out = run_cli("postmortem", "export", str(pm["id"]), "--format", kind, "-o", str(target))
    assert str(target) in " ".join(out.split())
    served = api.viewer.get(f"/api/v1/postmortems/{pm['id']}/export.{kind}").content
    if kind == "md":
        assert target.read_bytes() == served
    else:
        assert pm["incident_title"] in pdf_text(target.read_bytes(), tmp_path)
    missing = run_cli("postmortem", "export", "999999999", "-o", str(tmp_path / "x"), exit_code=1)
    assert "404" in missing
    assert not (tmp_path / "x").exists()


@pytest.fixture
def no_unicode_font(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """As on a system without DejaVu: the font folders are one empty folder."""
    monkeypatch.setattr(pdf, "FONT_DIRS", (str(tmp_path / "fonts"),))
    pdf.unicode_font.cache_clear()
    yield
    pdf.unicode_font.cache_clear()


def test_without_a_unicode_font_the_pdf_says_so_and_keeps_latin_1(
    api: Api, tmp_path: Path, no_unicode_font: None, caplog: pytest.LogCaptureFixture
) -> None:
    pm, _ = written(api)
    with api.db.reading() as session:
        doc = service.document(session, pm["id"], settings=api.settings)
    text = pdf_text(pdf.to_pdf(doc), tmp_path)
    assert "No Unicode font was found (install fonts-dejavu-core)" in text
    assert "Café ? résumé ? naïve" in text  # Latin-1 kept, the rest replaced
    assert "<script>alert(1)</script>" in text
    assert "without a Unicode font" in caplog.text
