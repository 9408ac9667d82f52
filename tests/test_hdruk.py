"""The HDR UK Data Use Register export: one row per data use, the specification's fields."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from test_store import processed

from api.app import create_app
from workers.hdruk import COLUMNS, SPEC_FIELDS, csv_text, data_uses
from workers.settings import Settings
from workers.store import Store

REPO = Path(__file__).resolve().parent.parent
CUT = REPO / "corpora" / "sheets" / "nhs-digital-2021-02-cut.xlsx"
SPEC = (REPO.parent / "shared" / "corpora-raw" / "hdruk-data-use-register-spec"
        / "Specification for data use register fields version 2 2022.01.19.csv")


def row(reference: str | None, dataset: str, provided: str = "anonymised",
        frequency: str = "one_off", **fields: Any) -> dict[str, Any]:
    return {
        "record_id": f"{reference}-{dataset}",
        "source": {"document_sha256": "d" * 64},
        "fields": {"organisation": "University of Leeds", "reference": reference,
                   "purpose": "A cohort study of outcomes.", "data_type": dataset,
                   "data_provided": provided.title(), **fields},
        "normalised": {"data_provided": provided, "frequency": frequency},
        "entities": {"organisations": [{"text": "University of Leeds",
                                        "canonical": "University of Leeds",
                                        "field": "organisation", "sector": "academic"}],
                     "approval_references": [], "datasets": []},
        "purpose": {"label": "research", "scores": {}, "model": "m", "needs_review": False,
                    "source": "model"},
        "needs_review": False,
    }


@pytest.fixture(scope="module")
def cut_records() -> list[dict[str, Any]]:
    from extract.limits import Limits
    from nlp.enrich import build_enricher
    from workers.pipeline import process_document

    _, records = process_document(CUT.read_bytes(), CUT.name, Limits(),
                                  build_enricher(REPO / "models"))
    return records


def test_columns_are_the_specifications_fields_in_its_order() -> None:
    if not SPEC.is_file():
        pytest.skip("../shared is not beside the repository")
    with open(SPEC, encoding="cp1252", newline="") as handle:
        spec = [line["Field"].strip() for line in csv.DictReader(handle)]
    assert list(SPEC_FIELDS) == spec


def test_an_agreements_data_set_rows_are_one_data_use() -> None:
    rows = [row("NIC-1", "HES APC", "pseudonymised"), row("NIC-2", "ONS Deaths"),
            row("NIC-1", "ONS Deaths", "identifiable", frequency="ongoing"),
            row("NIC-1", "HES APC")]
    rows[3]["record_id"] = "NIC-1-HES APC-again"
    first, second = data_uses(rows)
    assert (first["Project ID"], second["Project ID"]) == ("NIC-1", "NIC-2")
    assert first["Dataset(s) name"] == "HES APC, ONS Deaths"
    # the specification: the level of the most sensitive data set; recurring if any recurs
    assert first["Data sensitivity level"] == "Personally Identifiable"
    assert first["Request frequency"] == "Recurring"
    assert first["How has data been processed to enhance privacy?"] == \
        "Pseudonymised; Identifiable; Anonymised"
    assert first["drr record ids"] == "NIC-1-HES APC NIC-1-ONS Deaths NIC-1-HES APC-again"
    assert second["Data sensitivity level"] == "Anonymous"
    assert second["Request frequency"] == "One-off"
    assert (first["Lead applicant organisation name"], first["Organisation sector"],
            first["Request category type"]) == ("University of Leeds", "Academic", "Research")


def test_rows_without_a_reference_group_by_organisation_and_purpose() -> None:
    rows = [row(None, "HES"), row(None, "ONS"), row(None, "HES", purpose="Another study.")]
    uses = data_uses(rows)
    assert [use["Dataset(s) name"] for use in uses] == ["HES, ONS", "HES"]


def test_nothing_is_invented_and_printed_values_are_mapped() -> None:
    record = row("NIC-9", "HES", title="Outcomes after surgery", date_start="01/04/2019",
                 date_released="2020-02-11", access_method="Data release",
                 legal_basis="Section 251", extra={
                     "Expected Measurable Benefits": "Better surgery.",
                     "Common law duty of confidentiality": "Section 251 support",
                     "Patient Opt-Outs applied": "Yes - patient objections upheld"})
    record["entities"]["approval_references"] = [
        {"text": "NIC-9", "canonical": "NIC-9", "scheme": "NIC"},
        {"text": "CAG 7-07(b)/2013", "canonical": "CAG 7-07(b)/2013", "scheme": "CAG"},
        {"text": "15/CAG/0005", "canonical": "15/CAG/0005", "scheme": "CAG"}]
    [use] = data_uses([record])
    assert use["Project title"] == "Outcomes after surgery"
    assert use["Project start date"] == "2019-04-01"
    assert use["Release/Access date"] == "2020-02-11"
    assert use["Access type"] == "Data release"
    assert use["Public benefit statement"] == "Better surgery."
    assert use["Common Law Duty of Confidentiality"] == "Section 251 support"
    assert use["National data opt-out applied?"] == "Yes - patient objections upheld"
    # the custodian's own agreement number is the project id, not another approval
    assert use["Other approval committees"] == "CAG 7-07(b)/2013, 15/CAG/0005"
    assert use["Legal basis (as printed)"] == "Section 251"
    for never_printed in ("Organisation ID", "Applicant names", "Applicant ID",
                          "Funders/Sponsors", "DEA accredited researcher?",
                          "Legal basis for provision of data under Article 6",
                          "Link to research outputs", "Project end date"):
        assert use[never_printed] == "", never_printed


def test_lay_summary_keeps_the_specifications_300_words() -> None:
    long = " ".join(f"w{i}" for i in range(400))
    [use] = data_uses([row("NIC-3", "HES", purpose=long)])
    assert use["Lay summary"].split()[:300] == long.split()[:300]
    assert use["Lay summary"].endswith(" …") and len(use["Lay summary"].split()) == 301


def test_a_reviewers_label_is_the_agreements_label() -> None:
    rows = [row("NIC-4", "HES"), row("NIC-4", "ONS")]
    rows[1]["purpose"] = {**rows[1]["purpose"], "label": "commercial", "source": "reviewer"}
    [use] = data_uses(rows)
    assert use["Request category type"] == "Commercial"


def test_the_2021_register_gives_one_row_per_agreement(cut_records: list[dict[str, Any]]) -> None:
    # counted independently of drr: the DataReleases sheet's distinct NIC numbers
    sheet = openpyxl.load_workbook(CUT, read_only=True)["DataReleases"]
    header, *lines = sheet.iter_rows(values_only=True)
    column = next(i for i, name in enumerate(header) if name and "NIC" in str(name))
    references = list(dict.fromkeys(line[column] for line in lines if line[column]))
    uses = list(csv.DictReader(io.StringIO(csv_text(cut_records))))
    assert [use["Project ID"] for use in uses] == references
    for use in uses:
        ids = set(use["drr record ids"].split())
        mine = [r for r in cut_records if r["record_id"] in ids]
        assert {r["fields"]["reference"] for r in mine} == {use["Project ID"]}
        assert use["Lead applicant organisation name"] == mine[0]["fields"]["organisation"]
        assert use["Request category type"] == mine[0]["purpose"]["label"].capitalize()
    assert sum(len(use["drr record ids"].split()) for use in uses) == len(cut_records)


def test_drr_hdruk_writes_the_csv(cut_records: list[dict[str, Any]], tmp_path: Path) -> None:
    source = tmp_path / "records.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in cut_records), encoding="utf-8")
    out = tmp_path / "register.csv"
    done = subprocess.run([sys.executable, "-m", "workers.cli", "hdruk", "-i", str(source),
                           "-o", str(out)], cwd=REPO, capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    written = out.read_bytes().decode("utf-8")  # as written: RFC 4180 CRLF line ends
    assert written == csv_text(cut_records)
    header = next(csv.reader(io.StringIO(written)))
    assert header == list(COLUMNS)


def test_a_line_that_is_not_a_record_fails_the_command_but_not_the_rest(
    cut_records: list[dict[str, Any]], tmp_path: Path
) -> None:
    source = tmp_path / "records.jsonl"
    source.write_text(json.dumps(cut_records[0]) + "\nnot json\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "workers.cli", "hdruk", "-i", str(source)],
                          cwd=REPO, capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert "records.jsonl:2: not an extracted record" in done.stderr
    assert len(list(csv.DictReader(io.StringIO(done.stdout)))) == 1


@pytest.fixture
def reader(store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(public_read=True), store, lambda job: None)) as http:
        yield http


@pytest.mark.service
def test_the_api_serves_the_csv_for_the_same_filters(
    reader: TestClient, store: Store, cut_records: list[dict[str, Any]]
) -> None:
    sha = processed(store, CUT.read_bytes(), cut_records)
    answer = reader.get("/records", params={"document": sha}, headers={"Accept": "text/csv"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.text == csv_text(cut_records)
    research = reader.get("/records", params={"purpose": "research"},
                          headers={"Accept": "text/csv"})
    expected = [r for r in cut_records if r["purpose"]["label"] == "research"]
    assert research.text == csv_text(expected)
