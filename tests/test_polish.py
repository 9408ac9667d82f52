"""First-run polish (issue 13 item 5): the summary line, progress on long steps,
``drr --version``, ``/docs`` and ``/redoc`` without a CDN, drr's own JSON Lines refused
by ``extract``, and ``debug-page`` on a page or file it cannot draw."""

from __future__ import annotations

import json
import re
from collections import Counter
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from conftest_service import SAMPLE, free_port, service_env, start_drr

from workers.cli import main
from workers.commands.models import timed
from workers.io import activity

ROOT = Path(__file__).resolve().parents[1]
WORKBOOK = (ROOT.parent / "shared/corpora-raw/nhs-digital-release-register-2021-02"
            / "1. releaseregister_20210201_20210228.xlsx")
PDF = ROOT / "corpora/pdfs/hscic-ruled-notes.pdf"
SUMMARY = re.compile(
    r"^drr: \[1/1\] done: ([\d,]+) records, ([\d,]+) flagged for review, (\d+) failed"
    r"(?:; purposes: (.*))?$", re.MULTILINE)


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _summary(err: str) -> tuple[int, int, int, dict[str, int]]:
    [found] = SUMMARY.findall(err)
    purposes = {label: int(n.replace(",", "")) for n, label in
                (part.split(" ") for part in found[3].split(", ") if part)} if found[3] else {}
    return (int(found[0].replace(",", "")), int(found[1].replace(",", "")), int(found[2]),
            purposes)


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out == f"drr {version('drr')}\n"


def test_process_extract_and_enrich_end_with_a_summary_of_what_they_wrote(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = _run(capsys, "process", str(SAMPLE))
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(records) == 61
    labels = Counter(r["purpose"]["label"] for r in records)
    flagged = sum(r["needs_review"] for r in records)
    assert _summary(err) == (61, flagged, 0, dict(labels))
    code, out, err = _run(capsys, "extract", str(SAMPLE))
    extracted = [json.loads(line) for line in out.splitlines()]
    assert _summary(err) == (61, sum(r["needs_review"] for r in extracted), 0, {})
    lines = tmp_path / "extracted.jsonl"
    lines.write_text(out + "not json\n", encoding="utf-8")
    code, out, err = _run(capsys, "enrich", "-i", str(lines))
    assert code == 1  # the bad line: reported on its own line, counted as failed
    assert _summary(err) == (61, flagged, 1, dict(labels))


def test_a_large_file_says_what_it_is_doing(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "extract", str(WORKBOOK))
    assert code == 0 and out.count("\n") == 5079
    assert re.search(r"^drr: 1\. releaseregister_20210201_20210228\.xlsx: reading 2\.9 MB: "
                     r"done in \d+\.\d s$", err, re.MULTILINE), err


def test_activity_reports_its_time_and_stays_quiet_when_it_fails(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with activity("counting"):
        pass
    assert re.fullmatch(r"drr: counting: done in \d+\.\d s\n", capsys.readouterr().err)
    with pytest.raises(ValueError), activity("failing"):
        raise ValueError("no")
    with activity("loading", report=False):
        pass
    assert capsys.readouterr().err == ""  # not a terminal: a failure's own line says it
    run = timed("training", lambda args, settings: 7)
    assert run(type("Args", (), {"target": "purpose"})(), None) == 7  # type: ignore[arg-type]
    assert "drr: training purpose: done in" in capsys.readouterr().err


def test_extract_refuses_drrs_own_json_lines(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = _run(capsys, "extract", str(SAMPLE))
    records = tmp_path / "records.jsonl"
    records.write_text(out, encoding="utf-8")
    code, out, err = _run(capsys, "extract", str(records))
    assert code == 1 and out == ""
    assert f"drr: {records}: drr's own JSON Lines" in err and "drr enrich" in err


def test_debug_page_refuses_a_page_out_of_range_and_a_non_pdf(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    png = str(tmp_path / "page.png")
    code, _, err = _run(capsys, "debug-page", str(PDF), "9", "-o", png)
    assert code == 1 and "page 9 is out of range: the PDF has 2 pages" in err
    code, _, err = _run(capsys, "debug-page", str(PDF), "0", "-o", png)
    assert code == 1 and "pages are numbered from 1" in err
    code, _, err = _run(capsys, "debug-page", str(SAMPLE), "1", "-o", png)
    assert code == 1 and "not a PDF" in err
    fake = tmp_path / "register.pdf"
    fake.write_bytes(SAMPLE.read_bytes())
    code, _, err = _run(capsys, "debug-page", str(fake), "1", "-o", png)
    assert code == 1 and "named .pdf but the bytes are plain text" in err  # extract's words
    assert not (tmp_path / "page.png").exists()




def _requests(driver: Any) -> list[str]:
    """The URLs the pages asked for and the browser let go: one the page's policy blocked
    (ReDoc's logo on cdn.redoc.ly) never leaves the machine."""
    urls, blocked = {}, set()
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        params = message["params"]
        if message["method"] == "Network.requestWillBeSent":
            urls[params["requestId"]] = params["request"]["url"]
        elif message["method"] == "Network.loadingFailed" and params.get("blockedReason"):
            blocked.add(params["requestId"])
    return [url for request, url in urls.items() if request not in blocked]


@pytest.mark.service
def test_docs_and_redoc_render_with_nothing_fetched_from_elsewhere(
    browser: Any, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    port = free_port()
    server = start_drr(["serve", "--port", str(port)],
                       service_env(f"sqlite:///{tmp_path / 'drr.sqlite'}", None),
                       tmp_path / "serve.log")
    base = f"http://127.0.0.1:{port}"
    try:
        server.wait_for("Uvicorn running")
        browser.get(f"{base}/docs")
        title = WebDriverWait(browser, 30).until(
            ready.visibility_of_element_located((By.CSS_SELECTOR, ".swagger-ui .info .title")))
        assert title.text.startswith("drr")
        assert browser.find_elements(By.CSS_SELECTOR, ".opblock-summary-path")  # endpoints
        browser.get(f"{base}/redoc")
        WebDriverWait(browser, 30).until(
            lambda b: "GET /changes" in b.find_element(By.TAG_NAME, "body").text
            or "/changes" in b.find_element(By.TAG_NAME, "body").text)
        urls = _requests(browser)
    finally:
        server.stop()
    assert any(u.endswith("/docs-assets/swagger-ui-bundle.js") for u in urls)
    assert any(u.endswith("/docs-assets/redoc.standalone.js") for u in urls)
    elsewhere = [u for u in urls if not u.startswith((base, "data:", "blob:"))]
    assert elsewhere == []
