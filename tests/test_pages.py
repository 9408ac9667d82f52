"""Reformatted register pages: every project of every stored page comes out with its reference.

The pages are read from the shared corpus beside the repo (``../shared``); the counts they are
checked against come from a plain regex over each file, not from the parser, plus a short
hand-checked table of the projects whose heading carries no complete NIC number.
"""

import csv
import re
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from extract import read_rows
from extract.errors import UnknownLayout
from extract.layout import load_layout
from extract.pages import (
    looks_like_register_page,
    read_register_html,
    read_register_page,
)

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared"
SEED = SHARED / "seeds" / "000_9ce4a5481bf26177.txt"
FOLDERS = ("theysolditanyway", "goodtreswork", "medconfidential-dataregister")
RAW = SHARED / "corpora-raw"

needs_shared = pytest.mark.skipif(
    not (SEED.exists() and all((RAW / f).is_dir() for f in FOLDERS)),
    reason=f"the shared register corpus is not beside the repo at {SHARED}",
)


def shared_pages() -> list[Path]:
    if not RAW.is_dir():
        return []
    return sorted(p for folder in FOLDERS for p in (RAW / folder).glob("*.txt"))


def text_of(path: Path) -> str:
    return path.read_text(encoding="utf-8")


# A NIC number where the page prints a project's id: at the end of a heading line after a
# dash, or on a 2016 "HSCIC Id:" line. NIC numbers quoted inside prose are not projects.
HEADING_ID = re.compile(
    r"(?m)(?:\s[—–]\s|^HSCIC Id:\s*)((?:DARS-)?NIC-\d+-[A-Z0-9]{5}(?:-v[\d.]+)?)[ \t]*$"
)
NIC = re.compile(r"^(?:DARS-)?NIC-\d+-[A-Z0-9]{5}")

# Projects whose heading has no complete NIC number, checked by reading the files.
OTHER_REFERENCES = {
    "csus_ccgs.txt": ["CSU RS Ps/sens", "CSU RS Id/sens", "CSU IV Ps/sens", "CSU IV Id/sens"],
    "public_health_england_phe.txt": ["PHECancerReg"],
    "institute_of_cancer_research.txt": [None],  # "Project 4 — DARS-NIC" where the page ends
}


@needs_shared
def test_the_corpus_is_all_there():
    counts = Counter(p.parent.name for p in shared_pages())
    assert counts == {"theysolditanyway": 82, "goodtreswork": 4, "medconfidential-dataregister": 4}


@needs_shared
@pytest.mark.parametrize("path", [SEED, *shared_pages()], ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_project_comes_out_with_its_reference(path):
    text = text_of(path)
    rows = read_register_page(text)
    expected = Counter(HEADING_ID.findall(text))
    got = Counter(
        r.fields.reference for r in rows if r.fields.reference and NIC.match(r.fields.reference)
    )
    assert got == expected
    others = [
        r.fields.reference
        for r in rows
        if not (r.fields.reference and NIC.match(r.fields.reference))
    ]
    assert others == OTHER_REFERENCES.get(path.name, [])
    assert looks_like_register_page(text)


@needs_shared
def test_project_totals_per_folder():
    totals = {}
    for folder in FOLDERS:
        pages = sorted((RAW / folder).glob("*.txt"))
        totals[folder] = sum(len(read_register_page(text_of(p))) for p in pages)
    # 89 NIC headings + PHECancerReg + the cut heading; 4 NIC headings; 3 HSCIC Ids + 4 CSU
    # projects (counted with grep on the files, not with the parser).
    assert totals == {"theysolditanyway": 91, "goodtreswork": 4, "medconfidential-dataregister": 7}


# ------------------------------------------------------------------ exact fields


@needs_shared
def test_seed_first_project_fields():
    row = read_register_page(text_of(SEED))[0]
    f = row.fields
    assert row.layout == "reformatted-page-2019"
    assert (f.organisation, f.title, f.reference) == (
        "Compufile Systems Limited",
        "ESPRIT tool",
        "DARS-NIC-01207-V9G9P",
    )
    assert (f.commercial, f.organisation_type) == ("Yes", "Consultancy")
    assert f.legal_basis == (
        "Health and Social Care Act 2012, Health and Social Care Act 2012 – s261(1) and "
        "s261(2)(b)(ii), Health and Social Care Act 2012 – s261(1) and s261(2)(b)(ii), Health "
        "and Social Care Act 2012 - s261 - 'Other dissemination of information', Health and "
        "Social Care Act 2012 – s261(2)(b)(ii), Health and Social Care Act 2012 – s261(2)(a)"
    )
    assert f.sensitivity == "Non Sensitive, and Non-Sensitive"
    assert (f.date_start, f.date_end) == ("2019-09-02", "2020-09-01")
    assert (f.access_method, f.sublicensing, f.frequency) == ("Ongoing, One-Off", "No", None)
    assert f.data_type == (
        "Hospital Episode Statistics Outpatients; Hospital Episode Statistics Critical Care; "
        "Hospital Episode Statistics Admitted Patient Care; HES-ID to MPS-ID HES Admitted "
        "Patient Care; HES-ID to MPS-ID HES Outpatients; Hospital Episode Statistics Admitted "
        "Patient Care (HES APC); Hospital Episode Statistics Critical Care (HES Critical Care); "
        "Hospital Episode Statistics Outpatients (HES OP)"
    )
    # "Type of data" is withheld for TRE projects; the identifiability is in "Opt outs honoured".
    assert f.data_provided == "Anonymised - ICO Code Compliant"
    assert f.purpose.startswith("Compufile Systems Ltd (CSL) is a data intermediary, and has")
    objectives_end = f.purpose.index("budget impact models")
    assert (
        f.purpose.index("Some examples of benefits delivered within the past year") > objectives_end
    )
    assert f.purpose.endswith("all data processing takes place in England.")
    assert f.extra["data files disseminated unsafely"] == "222"
    assert f.extra["Opt outs honoured"] == (
        "No - data flow is not identifiable, Anonymised - ICO Code Compliant, "
        "No (Does not include the flow of confidential data)"
    )
    assert f.extra["When"] == "DSA runs 2019-09-02 — 2020-09-01 2017.06 — 2024.05."
    assert f.extra["Type of data"] == "information not disclosed for TRE projects"
    assert f.extra["Yielded Benefits"].startswith("Some examples of benefits delivered")
    assert f.extra["Expected Benefits"].startswith("In the next twelve months CSL will continue")
    assert f.row_id is None
    spans = {
        k: row.cells[k].lines
        for k in ("organisation", "reference", "legal_basis", "data_type", "purpose")
    }
    assert spans == {
        "organisation": (3, 3),
        "reference": (7, 7),
        "legal_basis": (13, 13),
        "data_type": (27, 34),
        "purpose": (37, 214),
    }
    # The seed lost its "Datasets:" and "Objectives:" headings: inferred, so it says so; but
    # it ends on a full sentence, so it is not reported as cut off.
    assert len(row.warnings) == 2
    assert all("heading" in w for w in row.warnings)
    assert row.needs_review


@needs_shared
def test_goodtreswork_2019_page_fields():
    row = read_register_page(text_of(RAW / "goodtreswork" / "methods_analytics_ltd.txt"))[0]
    f = row.fields
    assert row.layout == "reformatted-page-2019"
    assert f.organisation == "Methods Analytics Ltd"
    assert (f.title, f.reference) == (
        "Triple Negative Breast Cancer Study",
        "DARS-NIC-744993-Z8K2K",
    )
    assert (f.commercial, f.organisation_type) == ("Yes", "Supplier")
    assert f.legal_basis == "Health and Social Care Act 2012 – s261(2)(a)"
    assert f.sensitivity == "Non-Sensitive"
    # En dash between the DSA dates on this page, em dash in the release period after them.
    assert (f.date_start, f.date_end) == ("2024-12", "2025-12")
    assert f.access_method == "System Access"
    assert f.sublicensing == "No"
    assert f.data_type == "NDRS Cancer Consolidated Data Set"
    assert f.data_provided == "Anonymised - ICO Code Compliant"
    assert f.purpose.startswith("Method Analytics Ltd requires access to NHS England data")
    assert f.extra["Data-controller type"] == "METHODS ANALYTICS LTD"
    assert f.extra["Access method note"] == (
        "(System access exclusively means data was not disseminated, but was accessed under "
        "supervision on NHS Digital's systems)"
    )
    assert f.extra["When"] == (
        "DSA runs 2024-12 – 2025-12 2025.01 — 2025.01. breached contract — audit report."
    )
    assert f.extra["Type of data"] == (
        "Anonymised - ICO Code Compliant (note: this information not disclosed for TRE projects )"
    )
    assert f.extra["data files disseminated unsafely"] == "1625"
    assert f.extra["flag"].startswith("Methods Analytics Ltd was sent multiple files")
    assert row.warnings == ["page ends mid-project: fields after Objectives are missing"]


@needs_shared
def test_single_newline_dash_bullet_page_fields():
    path = RAW / "theysolditanyway" / "national_institute_for_health_research.txt"
    row = read_register_page(text_of(path))[0]
    f = row.fields
    assert f.organisation == "National Institute For Health Research"
    assert (f.title, f.reference) == ("MR1393 - Join Dementia Research", "DARS-NIC-366913-C2V5F")
    assert (f.commercial, f.organisation_type) == ("No", "Research")
    assert f.sensitivity == "Non Sensitive, and Sensitive"
    assert (f.date_start, f.date_end) == ("2019-02-01", "2022-01-31")
    assert f.access_method == "Ongoing, One-Off"
    assert f.data_type == "MRIS - List Cleaning Report; Demographics"
    assert f.data_provided == "Identifiable, Anonymised - ICO Code Compliant"
    assert f.extra["Data-controller type"] == "DEPARTMENT OF HEALTH AND SOCIAL CARE"
    assert f.purpose.startswith("The ‘Join dementia research’ register is a national service")
    assert row.cells["data_type"].lines == (16, 17)
    assert row.warnings == ["page ends mid-project: fields after Objectives are missing"]


@needs_shared
def test_2017_project_n_page_fields():
    rows = read_register_page(
        text_of(RAW / "theysolditanyway" / "institute_of_cancer_research.txt")
    )
    assert [r.fields.row_id for r in rows] == ["1", "2", "3", "4"]
    f = rows[0].fields
    assert rows[0].layout == "reformatted-page-2017"
    assert (f.organisation, f.title, f.reference) == (
        "Institute of Cancer Research",
        None,
        "DARS-NIC-147748-XD18S",
    )
    assert f.sensitivity == "Sensitive"
    assert f.frequency == "Ongoing"
    assert f.legal_basis == (
        "Section 251 approval is in place for the flow of identifiable data, Approved researcher "
        "accreditation under section 39(4)(i) and 39(5) of the Statistical Registration Service "
        "Act 2007"
    )
    assert f.data_provided == "Identifiable"
    assert f.data_type == (
        "MRIS - Scottish NHS / Registration; MRIS - Members and Postings Report; "
        "MRIS - Cause of Death Report"
    )
    assert f.purpose == (
        "The data supplied will be used only for the approved Medical Research Project - MR400 - "
        "Cohort Study of People with Insulin Treated Diabetes"
    )
    assert f.extra == {"Opt outs honoured": "Y", "When": "2017/03 — 2017/11."}
    assert (f.date_start, f.date_end, f.commercial) == (None, None, None)
    assert rows[0].warnings == [] and not rows[0].needs_review


@needs_shared
def test_2016_hscic_id_page_fields():
    path = RAW / "medconfidential-dataregister" / "care_quality_commission_cqc.txt"
    [row] = read_register_page(text_of(path))
    f = row.fields
    assert row.layout == "reformatted-page-2016"
    assert f.organisation == "Care Quality Commission (CQC)"
    assert f.reference == "DARS-NIC-359603-D2Q6M-v0.0"
    assert f.legal_basis == (
        "Care Quality Commission's statutory powers - 2012 amendment to Section 64 of the "
        "Health and Social Care Act 2008"
    )
    # "Format: Identifiable Sensitive" joins the register's two columns.
    assert (f.data_provided, f.sensitivity) == ("Identifiable", "Sensitive")
    assert f.frequency == "Ongoing"
    assert f.data_type == (
        "Hospital Episode Statistics Accident and Emergency; Hospital Episode Statistics "
        "Admitted Patient Care; Hospital Episode Statistics Critical Care; Hospital Episode "
        "Statistics Outpatients; Office for National Statistics Mortality Data (linkable to HES)"
    )
    assert f.extra["Format"] == "Identifiable Sensitive"
    assert f.extra["When"] == "unknown — 11/2016"
    assert f.extra["Output"].startswith(
        "The on-going outputs produced are: Intelligent Monitoring:"
    )
    assert f.purpose is None  # this page has an Output but no Objective
    assert row.cells["reference"].lines == (16, 16)
    assert row.cells["data_type"].lines == (18, 26)


@needs_shared
def test_2016_page_with_footer_is_complete():
    path = (
        RAW
        / "medconfidential-dataregister"
        / "royal_liverpool_and_broadgreen_university_hospitals_nhs_trust.txt"
    )
    [row] = read_register_page(text_of(path))
    assert row.fields.reference == "DARS-NIC-148321-ZPHJ3-v0.0"
    assert row.fields.purpose.startswith("No contact will be made with any individual(s)")
    assert row.fields.purpose.endswith("supplied or derived from that supplied by the NHS IC.")
    assert "Source" not in row.fields.extra
    assert row.warnings == [] and not row.needs_review


@needs_shared
def test_purposes_free_text_keeps_the_flag_and_says_so():
    path = RAW / "theysolditanyway" / "nhs_north_and_east_london_commissioning_support_unit.txt"
    [row] = read_register_page(text_of(path))
    assert row.fields.commercial == "Yes"
    assert row.fields.organisation_type is None
    assert row.fields.extra["Purposes"].startswith("Yes, Commissioning Support Units (CSUs) are")
    assert any("'Purposes' holds free text" in w for w in row.warnings)


# ------------------------------------------------------------------ truncated pages


@needs_shared
def test_truncated_project_still_gives_a_record_with_a_warning():
    path = RAW / "theysolditanyway" / "newcastle_university.txt"
    rows = read_register_page(text_of(path))
    last = rows[-1]
    assert last.fields.reference == "DARS-NIC-204646-B9G2N"
    assert last.fields.date_start == "2019-02-01"
    assert last.fields.date_end is None  # the page stops at "DSA runs 2019-02-01 — "
    assert last.warnings == ["page ends mid-project: fields after When are missing"]
    assert last.needs_review
    assert rows[0].warnings == [] and not rows[0].needs_review


@needs_shared
def test_page_cut_inside_a_heading_gives_a_record_without_a_made_up_reference():
    path = RAW / "theysolditanyway" / "institute_of_cancer_research.txt"
    last = read_register_page(text_of(path))[-1]
    assert (last.fields.row_id, last.fields.reference) == ("4", None)
    assert last.layout == "reformatted-page-2017"
    assert last.warnings == [
        "page ends in the project heading: the reference is cut off ('DARS-NIC')",
        "page ends mid-project: fields after the project heading are missing",
    ]


@needs_shared
def test_page_cut_in_the_dataset_list_drops_the_empty_item():
    path = RAW / "goodtreswork" / "office_for_health_improvement_and_disparities.txt"
    [row] = read_register_page(text_of(path))
    items = row.fields.data_type.split("; ")
    assert len(items) == 19 and items[-1] == "Primary Care Mortality Data"
    assert row.warnings == ["page ends mid-project: fields after Datasets are missing"]


@needs_shared
def test_warning_counts_across_the_corpus():
    rows = [r for p in shared_pages() for r in read_register_page(text_of(p))]
    truncated = [r for r in rows if any(w.startswith("page ends mid-project") for w in r.warnings)]
    # Every stored page is cut at ~2,000 characters except the 2016 Royal Liverpool page, which
    # still has its "Source: NHS Digital." footer, and the project index with no projects.
    pages_with_rows = [p for p in shared_pages() if read_register_page(text_of(p))]
    assert len(truncated) == len(pages_with_rows) - 1
    assert all(r.needs_review for r in rows if r.warnings)


# ------------------------------------------------------------------ detection and HTML


@needs_shared
def test_text_dumps_and_csvs_are_not_register_pages():
    dump = (SHARED / "seeds" / "003_902676778b2a39ea.txt").read_text(encoding="utf-8")
    assert not looks_like_register_page(dump)
    assert not looks_like_register_page(
        (ROOT / "corpora/samples/hscic-2014-sample.txt").read_text()
    )
    csv = "Organisation,Legal basis,Sensitive\nUCL,Health and Social Care Act 2012,Sensitive\n"
    assert not looks_like_register_page(csv)
    assert not looks_like_register_page("Legal basis: x\nSensitive: y\n")


def test_headingless_text_with_field_labels_is_not_claimed():
    assert not looks_like_register_page("Legal basis: x\nSensitive: y\nSome prose — maybe\n")


HTML_PAGE = ROOT / "corpora" / "pages" / "nhs_central_register_scotland.html"


def test_html_page_reads_into_the_same_fields():
    [row] = read_register_html(HTML_PAGE.read_text(encoding="utf-8"))
    f = row.fields
    assert row.layout == "reformatted-page-2019"
    assert (f.organisation, f.row_id, f.reference) == (
        "NHS Central Register Scotland",
        "1",
        "DARS-NIC-148050-WYFD5",
    )
    assert f.legal_basis == "Health and Social Care Act 2012"
    assert (f.commercial, f.organisation_type) == (None, None)
    assert f.sensitivity == "Sensitive"
    assert f.access_method == "Ongoing"
    assert f.sublicensing is None
    assert f.data_type == "MRIS - Scottish NHS / Registration"
    assert f.purpose == "To provide data for Scottish research"
    assert f.extra["data files disseminated unsafely"] == "89"
    assert f.extra["When"] == "2016.04 — 2016.08."
    assert f.extra["Opt outs honoured"] == "N, Y"
    assert f.extra["flag"].startswith("NHS Central Register Scotland was sent multiple files")
    # Line spans point into the HTML source: the <h3> heading and the <ol> item.
    assert row.cells["reference"].lines == (22, 22)
    assert row.cells["data_type"].lines == (34, 34)
    # It has its headings and its footer: nothing inferred, nothing cut off.
    assert row.warnings == [] and not row.needs_review


@needs_shared
def test_html_and_stored_text_of_one_page_agree():
    [html_row] = read_register_html(HTML_PAGE.read_text(encoding="utf-8"))
    path = RAW / "theysolditanyway" / "nhs_central_register_scotland.txt"
    [text_row] = read_register_page(text_of(path))
    assert html_row.fields == text_row.fields


def test_html_documents_are_dispatched_to_the_page_reader():
    fmt, rows = read_rows(HTML_PAGE.read_bytes(), "page.html")
    assert fmt == "html"
    assert [r.fields.reference for r in rows] == ["DARS-NIC-148050-WYFD5"]


def test_html_line_breaks_and_unordered_lists():
    html = (
        "<html><body><h2>Acme Ltd projects</h2>"
        "<h3>Study — DARS-NIC-12345-A1B2C</h3>"
        "<p>Access method: System Access<br>(System access means no dissemination)</p>"
        "<p>Purposes: No (Academic)</p>"
        "<h4>Datasets:</h4><ul><li>HES APC</li><li>Civil Registrations of Death</li></ul>"
        "<h4>Objectives:</h4><p>To study <b>outcomes</b>.</p><p>Second &amp; last.</p>"
        "</body></html>"
    )
    [row] = read_register_html(html)
    f = row.fields
    assert (f.organisation, f.title, f.reference) == ("Acme Ltd", "Study", "DARS-NIC-12345-A1B2C")
    assert f.access_method == "System Access"
    assert f.extra["Access method note"] == "(System access means no dissemination)"
    assert (f.commercial, f.organisation_type) == ("No", "Academic")
    assert f.data_type == "HES APC; Civil Registrations of Death"
    assert f.purpose == "To study outcomes. Second & last."
    assert row.warnings == []


def test_html_definition_lists_and_tables_read_as_labels():
    html = (
        "<!DOCTYPE html><html><body><h2>Acme Ltd projects</h2>"
        "<h3>Study — DARS-NIC-12345-A1B2C</h3>"
        "<dl><dt>Legal basis</dt><dd>Health and Social Care Act 2012</dd>"
        "<dt>Sensitive:</dt><dd>Non-Sensitive</dd></dl>"
        "<table><tr><th>Purposes</th><td>Yes (Supplier)</td></tr>"
        "<tr><th>Sublicensing allowed</th><td>No</td></tr></table>"
        "<h4>Objectives:</h4><p>To study outcomes</p>"
        "<footer><p>About this site</p><p>Contact us</p></footer></body></html>"
    )
    [row] = read_register_html(html)
    f = row.fields
    assert f.legal_basis == "Health and Social Care Act 2012"
    assert f.sensitivity == "Non-Sensitive"
    assert (f.commercial, f.organisation_type, f.sublicensing) == ("Yes", "Supplier", "No")
    # The footer is not part of the project, and a whole document is not "cut off" even
    # though its last sentence has no full stop.
    assert f.purpose == "To study outcomes"
    assert row.warnings == []


PAGE_WITH_SURPRISES = """\
NHS Digital Data Release Register - reformatted

Acme Analytics projects

First study — DARS-NIC-11111-A1A1A

🚩 Acme breached this agreement.

Legal basis: Health and Social Care Act 2012 – s261(2)(a)

Purposes: N (Supplier)

When:DSA runs 01/04/2019 — 31/03/2020

Access method: System Access

(System access means the data stayed on NHS Digital's systems)

Datasets:

  1) Hospital Episode Statistics Admitted Patient Care
  2) Civil Registrations of Death

Objectives:

This extends the earlier agreement — DARS-NIC-22222-B2B2B
and reports aggregate counts only.

Second study - DARS-NIC-33333-C3C3C

Type of data: Pseudonymised

Legal basis: Health and Social Care Act 2012

Objectives:

A full sentence ends here.
"""


def test_page_variations_a_generic_page_may_have():
    first, second = read_register_page(PAGE_WITH_SURPRISES)
    assert (first.fields.reference, second.fields.reference) == (
        "DARS-NIC-11111-A1A1A",
        "DARS-NIC-33333-C3C3C",
    )
    f = first.fields
    assert f.extra["project flag"] == "Acme breached this agreement."
    assert (f.commercial, f.organisation_type) == ("N", "Supplier")
    assert (f.date_start, f.date_end) == ("01/04/2019", "31/03/2020")
    assert f.access_method == "System Access"
    assert f.extra["Access method note"] == (
        "(System access means the data stayed on NHS Digital's systems)"
    )
    assert f.data_type == (
        "Hospital Episode Statistics Admitted Patient Care; Civil Registrations of Death"
    )
    # A NIC number ending a line of prose is not a new project.
    assert f.purpose == (
        "This extends the earlier agreement — DARS-NIC-22222-B2B2B and reports aggregate "
        "counts only."
    )
    assert second.fields.data_provided == "Pseudonymised"
    assert first.warnings == [] and second.warnings == []


def test_text_pages_are_dispatched_to_the_page_reader():
    sample = ROOT / "corpora" / "samples" / "reformatted-page-compufile.txt"  # copy of the seed
    fmt, rows = read_rows(sample.read_bytes(), "compufile.txt")
    assert fmt == "text"
    assert [(r.layout, r.fields.reference) for r in rows] == [
        ("reformatted-page-2019", "DARS-NIC-01207-V9G9P")
    ]


PAGE_2016_TWO_PROJECTS = """\
NHS Digital Data Release Register - reformatted

University of Somewhere

Opt outs honoured: Y

Basis: Section 251 approval is in place for the flow of identifiable data

Format: Identifiable Sensitive

How often: One-Off

When: unknown — 11/2016

HSCIC Id: DARS-NIC-147000-AAAAA-v0.0

Data: MRIS - Cause of Death Report

Data: MRIS - Cohort Event Notification Report

Project info

A cohort study of mortality after surgery.

Opt outs honoured: N

Basis: Health and Social Care Act 2012

Format: Pseudonymised Non Sensitive

How often: Ongoing

When: 03/2015 — 11/2016

HSCIC Id: DARS-NIC-148000-BBBBB-v1.2

Data: Hospital Episode Statistics Admitted Patient Care

Project info

Objective: To compare waiting times between trusts.

Source: NHS Digital.
"""


def test_2016_page_with_two_projects_splits_at_the_repeated_first_label():
    first, second = read_register_page(PAGE_2016_TWO_PROJECTS)
    assert [r.layout for r in (first, second)] == ["reformatted-page-2016"] * 2
    assert (first.fields.organisation, second.fields.organisation) == (
        "University of Somewhere",
    ) * 2
    assert (first.fields.reference, second.fields.reference) == (
        "DARS-NIC-147000-AAAAA-v0.0",
        "DARS-NIC-148000-BBBBB-v1.2",
    )
    assert (
        first.fields.data_type
        == "MRIS - Cause of Death Report; MRIS - Cohort Event Notification Report"
    )
    assert (first.fields.data_provided, first.fields.sensitivity) == ("Identifiable", "Sensitive")
    assert (second.fields.data_provided, second.fields.sensitivity) == (
        "Pseudonymised",
        "Non Sensitive",
    )
    assert (first.fields.frequency, second.fields.frequency) == ("One-Off", "Ongoing")
    # Text under "Project info" with no "Objective:" stays out of the datasets and the purpose.
    assert first.fields.extra["Project info"] == "A cohort study of mortality after surgery."
    assert first.fields.purpose is None
    assert second.fields.purpose == "To compare waiting times between trusts."
    assert second.cells["purpose"].lines == (41, 41)
    assert first.warnings == [] and second.warnings == []


def test_numbered_lines_inside_prose_are_not_projects():
    page = PAGE_WITH_SURPRISES.replace(
        "and reports aggregate counts only.\n",
        "and reports aggregate counts only.\n\nProject 2 — Reducing COPD admissions\n"
        "The CCG has achieved a reduction.\n",
    )
    rows = read_register_page(page)
    assert [r.fields.reference for r in rows] == ["DARS-NIC-11111-A1A1A", "DARS-NIC-33333-C3C3C"]
    assert rows[0].fields.purpose.endswith(
        "Project 2 — Reducing COPD admissions The CCG has achieved a reduction."
    )


def test_other_html_is_refused_with_a_reason():
    html = (
        "<!DOCTYPE html><html><body><table><tr><th>Organisation</th><th>Purpose</th></tr>"
        "<tr><td>NICOR</td><td>Audit</td></tr></table></body></html>"
    )
    with pytest.raises(UnknownLayout, match="not a reformatted register page"):
        read_register_html(html)
    with pytest.raises(UnknownLayout):
        read_rows(html.encode(), "register.html")


def printed_purposes(fields) -> str:
    """The "Purposes:" value as the page printed it, rebuilt from the record's fields."""
    if "Purposes" in fields.extra:  # free text where the flag and type should be
        return fields.extra["Purposes"]
    return f"{fields.commercial or ''} ({fields.organisation_type or ''})".strip()


@needs_shared
def test_commercial_flag_and_organisation_type_match_the_corpus_index():
    # INDEX.csv was written when the corpus was collected: its purposes_lines column is every
    # "Purposes:" value of a page, joined with " | " — a record of the pages made without drr.
    with (RAW / "theysolditanyway" / "INDEX.csv").open(encoding="utf-8") as index:
        entries = [e for e in csv.DictReader(index) if e["purposes_lines"].strip()]
    assert len(entries) == 70
    for entry in entries:
        rows = read_register_page(text_of(RAW / entry["folder"] / entry["file"]))
        printed = [printed_purposes(r.fields) for r in rows if r.layout == "reformatted-page-2019"]
        assert " | ".join(printed) == entry["purposes_lines"].strip(), entry["file"]


# ---------------------------------------------------------------- the layout is data


PAGE = """NHS Digital Data Release Register - reformatted
Example Ltd projects

Risk tool — DARS-NIC-000001-AAAAA-v1.0
Type of data: pseudonymised
Legal basis: Health and Social Care Act 2012 – s261(2)(b)(ii)
Sensitive: Non Sensitive
Release date: 2020-03-01
Datasets:
1. Hospital Episode Statistics Admitted Patient Care
Objectives:
The data are used to build a risk tool.
Source: NHS Digital
"""


def test_a_page_layout_read_from_data_changes_what_the_reader_knows():
    """A label the shipped layout does not know stays in ``extra``; the same page read
    with a layout value whose data maps that label to a field fills the field."""
    shipped = load_layout("reformatted-page")
    vocabulary = dict(shipped.vocabulary)
    vocabulary["field_labels"] = [*shipped.words("field_labels"), "release date"]
    vocabulary["simple_fields"] = {**shipped.table("simple_fields"), "release date": "date_released"}
    edition = replace(shipped, name="reformatted-page-dated", vocabulary=vocabulary)

    [plain] = read_register_page(PAGE)
    [dated] = read_register_page(PAGE, layout=edition)

    assert plain.fields.date_released is None
    assert plain.fields.extra["Release date"] == "2020-03-01"
    assert dated.fields.date_released == "2020-03-01"
    assert "Release date" not in dated.fields.extra
    assert dated.fields.legal_basis == plain.fields.legal_basis


def test_page_generations_come_from_the_layout_data():
    shipped = load_layout("reformatted-page")
    generations = shipped.table("generations")
    assert list(generations) == [
        "reformatted-page-2016", "reformatted-page-2017", "reformatted-page-2019"
    ]
    source = (ROOT / "extract" / "pages.py").read_text(encoding="utf-8")
    code = source.split('"""', 2)[2]  # after the module docstring, which describes them
    assert not any(name in code for name in generations)
