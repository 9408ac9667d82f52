"""``drr report`` on the NHS Digital register of February 2021 (5,079 real rows): its
figures equal counts made here on their own, straight from the workbook with openpyxl
(not with drr's readers), and the page renders in a real chromium with no request
leaving the machine.

Sectors and purposes are drr's own enrichment, not columns of the register: they are
counted here from the records with a plain loop, a check of the report's aggregation.
"""

from __future__ import annotations

import csv
import html
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from nlp.enrich import build_enricher
from workers.cli import main
from workers.pipeline import process_document
from workers.report import SECTORS, figures, render_html, render_markdown
from workers.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
WORKBOOK = (ROOT.parent / "shared/corpora-raw/nhs-digital-release-register-2021-02"
            / "1. releaseregister_20210201_20210228.xlsx")


def _printed(value: Any) -> str:
    return " ".join(str(value or "").split())


@pytest.fixture(scope="module")
def register() -> dict[str, Any]:
    """The workbook's DataReleases rows by header, read with openpyxl alone."""
    from openpyxl import load_workbook

    book = load_workbook(WORKBOOK, read_only=True, data_only=True)
    rows = list(book["DataReleases"].iter_rows(values_only=True))
    header = [_printed(h) for h in rows[0]]
    body = [dict(zip(header, row, strict=False)) for row in rows[1:] if any(row)]
    return {"header": header, "rows": body}


@pytest.fixture(scope="module")
def records() -> list[dict[str, Any]]:
    settings = Settings()
    enricher = build_enricher(settings.models_dir)
    return process_document(WORKBOOK.read_bytes(), WORKBOOK.name, settings.limits, enricher)[1]


@pytest.fixture(scope="module")
def numbers(records: list[dict[str, Any]]) -> dict[str, Any]:
    return figures(records)


def _column(register: dict[str, Any], starts: str) -> list[Any]:
    [name] = [h for h in register["header"] if h.startswith(starts)]
    return [row[name] for row in register["rows"]]


def _ranked(counter: Counter[str], limit: int = 20) -> list[tuple[str, int]]:
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))[:limit]


def test_counts_equal_the_workbooks_own(numbers: dict[str, Any], register: dict[str, Any]) -> None:
    releases = register["rows"]
    assert numbers["releases"] == len(releases) == 5079
    # An agreement: its NIC number without the DARS- prefix and the version suffix.
    agreements = {re.sub(r"-v[\d.]+$", "", re.sub(r"^DARS-", "", _printed(n)))
                  for n in _column(register, "NIC Number")}
    assert numbers["agreements"] == len(agreements)
    organisations = Counter(_printed(o) for o in _column(register, "Organisation Name"))
    assert numbers["recipients"] == len(organisations) == 340
    top = [(r["name"], r["releases"]) for r in numbers["top_recipients"]]
    assert top == _ranked(organisations)
    datasets = Counter(_printed(d) for d in _column(register, "Type of Data Provided"))
    assert [(d["name"], d["releases"]) for d in numbers["top_datasets"]] == _ranked(datasets)
    legal = Counter(_printed(b) for b in _column(register, "Legal Basis"))
    assert [(b["name"], b["releases"]) for b in numbers["legal_bases"]] == _ranked(legal)


def test_identifiable_frequency_and_opt_outs_equal_the_workbooks(
    numbers: dict[str, Any], register: dict[str, Any]
) -> None:
    provided = Counter(_printed(v) for v in _column(register, "Data provided to customer"))
    got = {x["name"]: x["releases"] for x in numbers["data_provided"]}
    assert got == {"identifiable": provided["Identifiable"],
                   "anonymised": provided["Anonymised - ICO code compliant"]}
    frequency = Counter(_printed(v) for v in _column(register, "Frequency"))
    got = {x["name"]: x["releases"] for x in numbers["frequency"]}
    # drr counts a system access as an ongoing flow (the register's README says so).
    assert got == {"one_off": frequency["One-Off"],
                   "ongoing": frequency["Ongoing"] + frequency["System Access"]}
    opt_outs = Counter(_printed(v) for v in _column(register, "Patient Opt-Outs applied"))
    o = numbers["opt_outs"]
    assert {x["name"]: x["releases"] for x in o["values"]} == dict(opt_outs)
    assert o["applied"] == sum(n for v, n in opt_outs.items() if v.startswith("Yes")) == 271
    assert o["not_applied"] == sum(n for v, n in opt_outs.items() if v.startswith("No"))


def test_sectors_purposes_and_flags_equal_the_records(
    numbers: dict[str, Any], records: list[dict[str, Any]]
) -> None:
    sectors: Counter[str] = Counter()
    purposes: Counter[tuple[str, str]] = Counter()
    for record in records:
        [recipient] = [o for o in record["entities"]["organisations"]
                       if o["field"] == "organisation"]
        sector = SECTORS.get(recipient.get("sector") or "", "Not known")
        sectors[sector] += 1
        purposes[sector, record["purpose"]["label"]] += 1
    assert {s["name"]: s["releases"] for s in numbers["sectors"]} == dict(sectors)
    for row in numbers["purpose_by_sector"]:
        for label in ("commercial", "research", "commissioning"):
            assert row[label] == purposes[row["name"], label]
    companies = {" ".join(r["fields"]["organisation"].split()) for r in records
                 if any(o["field"] == "organisation" and o.get("sector") == "commercial"
                        for o in r["entities"]["organisations"])}
    assert {c["name"] for c in numbers["companies"]} == companies
    flagged = [r for r in records if r["needs_review"]]
    assert numbers["flagged"]["releases"] == len(flagged) > 0


def test_markdown_and_html_show_the_figures(numbers: dict[str, Any]) -> None:
    markdown = render_markdown(numbers, "February 2021")
    assert "- releases (register rows): 5,079" in markdown
    assert f"- agreements: {numbers['agreements']:,}" in markdown
    page = render_html(numbers, "February 2021")
    # Nothing a browser would fetch: no src, href, url() or @import; the policy forbids any.
    assert not re.search(r"\b(?:src|href)\s*=|url\(|@import", page, re.IGNORECASE)
    assert "default-src 'none'" in page and "<script" not in page


def test_a_company_list_of_datasets_cut_short_says_how_many_more(
    numbers: dict[str, Any], records: list[dict[str, Any]]
) -> None:
    # Carnall Farrar's one agreement is 93 rows of data sets; both formats list the first
    # six, and neither may pass the list off as whole.
    [carnall] = [c for c in numbers["companies"] if c["name"] == "Carnall Farrar Limited"]
    printed = {_printed(r["fields"]["data_type"]) for r in records
               if _printed(r["fields"]["organisation"]) == "Carnall Farrar Limited"}
    assert len(carnall["datasets"]) == len(printed) > 6
    listed = "; ".join(carnall["datasets"][:6]) + f" … and {len(printed) - 6:,} more"
    assert f"| {listed} |" in render_markdown(numbers)
    assert f"<td>{html.escape(listed)}</td>" in render_html(numbers)




def requests_made(driver: Any) -> list[str]:
    """Every URL the page asked for, from the DevTools network events."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def test_the_report_renders_in_chromium_with_no_request_leaving_the_machine(
    browser: Any, records: list[dict[str, Any]], tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from selenium.webdriver.common.by import By

    lines = tmp_path / "records.jsonl"
    lines.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    page = tmp_path / "report.html"
    assert main(["report", str(lines), "-o", str(page)]) == 0
    assert "report of 5,079 releases" in capsys.readouterr().err
    browser.get(page.as_uri())
    assert browser.find_element(By.ID, "fig-releases-register-rows").text == "5,079"
    assert browser.find_element(By.ID, "fig-recipients").text == "340"
    assert browser.find_element(By.ID, "opt-outs-applied").text == "271"
    charts = browser.find_elements(By.CSS_SELECTOR, "svg[role=img]")
    assert len(charts) >= 3 and all(c.size["height"] > 0 for c in charts)
    assert requests_made(browser) == [page.as_uri()]


def test_since_the_last_edition(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from test_diff import PHE, _derive_module

    _derive_module().derive_files(PHE, "phe-csv", tmp_path, 3, 7)
    out = tmp_path / "report.md"
    code = main(["report", str(tmp_path / "new.csv"), "--previous", str(tmp_path / "old.csv"),
                 "-o", str(out)])
    assert code == 0
    text = out.read_text(encoding="utf-8")
    assert "3 agreements added, 3 removed, 6 amended." in text
    expected = [json.loads(line) for line in (tmp_path / "expected.jsonl").open()]
    listed = text.casefold()
    for change in expected:  # drr writes an ODR part letter in lower case
        assert f"| {change['change']} | {change['agreement'].casefold()} |" in listed


def test_extracted_records_are_enriched_before_they_are_reported(tmp_path: Path) -> None:
    """`drr extract`'s records (no sector, no purpose yet) give the report the document
    itself gives, not a register of 'not known' recipients and unlabelled purposes."""
    register = ROOT.parent / "shared/corpora-raw/phe-data-release-register-2014-2018/PHE17-18.csv"
    extracted = tmp_path / "extracted.jsonl"
    assert main(["extract", str(register), "-o", str(extracted)]) == 0
    assert all("purpose" not in json.loads(line) for line in extracted.open(encoding="utf-8"))
    from_records, from_document = tmp_path / "records.md", tmp_path / "document.md"
    assert main(["report", str(extracted), "-o", str(from_records)]) == 0
    assert main(["report", str(register), "-o", str(from_document)]) == 0
    text = from_records.read_text(encoding="utf-8")
    assert "Not known" not in text and "| Universities |" in text
    assert text == from_document.read_text(encoding="utf-8")


@pytest.mark.parametrize("arguments", [[], ["--from-store", "records.jsonl"]])
def test_neither_or_both_inputs_is_a_usage_error(
    arguments: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", *arguments]) == 2
    assert capsys.readouterr().err == "drr: give register files, or --from-store (not both)\n"


def test_one_agreement_added_is_said_in_the_singular() -> None:
    from extract import Limits
    from workers.diff import diff_editions
    from workers.pipeline import extract_records

    register = ROOT.parent / "shared/corpora-raw/phe-data-release-register-2014-2018/PHE17-18.csv"
    new = extract_records(register.read_bytes(), register.name, Limits())[1]
    numbers = figures(new, diff_editions(new[1:], new))
    assert "1 agreement added, 0 removed, 0 amended." in render_markdown(numbers)
    assert re.search(r">1</b> agreement added, <b[^>]*>0</b> removed", render_html(numbers))


def test_markdown_says_whether_the_register_states_opt_outs(
    numbers: dict[str, Any], register: dict[str, Any]
) -> None:
    stated = [_printed(v) for v in _column(register, "Patient Opt-Outs")]
    applied = sum(1 for v in stated if v.casefold().startswith("yes"))
    assert f"Applied to {applied:,} releases, not applied to {len(stated) - applied:,}, of " \
           f"{len(stated):,} for which the register says." in render_markdown(numbers)
    from extract import Limits
    from workers.pipeline import extract_records

    phe = ROOT.parent / "shared/corpora-raw/phe-data-release-register-2014-2018/PHE17-18.csv"
    markdown = render_markdown(figures(extract_records(phe.read_bytes(), phe.name, Limits())[1]))
    opt_outs = markdown.split("## Patient opt-outs\n\n", 1)[1].split("\n", 1)[0]
    assert opt_outs == "This register does not say whether patient opt-outs were applied."


def test_a_rows_own_reference_is_no_approval_it_cites(tmp_path: Path) -> None:
    """PHE prints each release's ODR number as its reference: that names the agreement,
    it is no approval cited (every row 'cited ODR' before); a CAG number in a purpose is."""
    register = ROOT.parent / "shared/corpora-raw/phe-data-release-register-2014-2018/PHE.csv"
    out = tmp_path / "report.md"
    assert main(["report", str(register), "-o", str(out)]) == 0
    section = out.read_text(encoding="utf-8").split("## Approval references cited\n", 1)[1]
    rows = [line.split(" | ") for line in section.split("\n## ", 1)[0].splitlines()
            if line.startswith("| ") and not line.startswith(("| scheme", "| ---"))]
    schemes = {cells[0].strip("| "): int(cells[1].replace(",", "")) for cells in rows}
    with register.open(encoding="utf-8-sig") as handle:
        purposes = [row["Purpose"] for row in csv.DictReader(handle)]
    citing = sum(1 for text in purposes if re.search(r"\bCAG\b", text))
    assert schemes == {"CAG": citing, "none cited": len(purposes) - citing}
