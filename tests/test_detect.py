"""Format detection and text decoding, checked through ``read_document`` as the CLI calls it.

Inputs are the committed register samples re-encoded or re-delimited the way real exports
come (Excel's "Unicode Text", tab- and pipe-separated files, title lines above the table);
expected fields come from reading the original sample, not from the code under test.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from pathlib import Path

import pytest

from extract import read_document
from extract.detect import decode_text, detect_format
from extract.errors import ExtractError, UnknownLayout

ROOT = Path(__file__).resolve().parent.parent
HSCIC_DUMP = ROOT / "corpora" / "samples" / "hscic-2014-sample.txt"
PHE_CSV = ROOT / "corpora" / "sheets" / "phe-odr-2017-18.csv"


def fields_of(data: bytes, filename: str) -> list[dict]:
    return [r.fields.model_dump() for r in read_document(data, filename).records]


# --- encodings ---------------------------------------------------------------------------


@pytest.mark.parametrize("bom, codec", [(codecs.BOM_UTF16_LE, "utf-16-le"),
                                        (codecs.BOM_UTF16_BE, "utf-16-be")])  # fmt: skip
def test_utf16_with_a_bom_is_text_not_binary(bom, codec):
    text = "Organisation\tPurpose\tLegal basis\r\nCafé Trust\tResearch – cancer\ts251\r\n"
    data = bom + text.encode(codec)
    assert decode_text(data) == text.replace("\r\n", "\n")
    assert detect_format(data, "register.txt") == "csv"


def test_utf16_text_dump_reads_as_the_utf8_one_does():
    text = HSCIC_DUMP.read_text(encoding="utf-8")
    document = read_document(text.encode("utf-16"), "hscic.txt")  # LE with BOM, as Excel writes
    assert document.format == "text"
    assert [r.fields.model_dump() for r in document.records] == fields_of(
        text.encode("utf-8"), "hscic.txt"
    )


def test_utf16_csv_reads_as_the_utf8_one_does():
    data = PHE_CSV.read_bytes()
    utf16 = codecs.BOM_UTF16_LE + data.decode("utf-8").encode("utf-16-le")
    assert read_document(utf16, "phe.csv").format == "csv"
    assert fields_of(utf16, "phe.csv") == fields_of(data, "phe.csv")


# --- which text is a table -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("PHE register, 2019 edition\n\nOrganisation;Purpose\nOrg A;Audit, local\nOrg B;Research\n",
         [("Org A", "Audit, local"), ("Org B", "Research")]),
        ("Organisation,Purpose\nOrg A,Research\n", [("Org A", "Research")]),
        ("Organisation|Purpose|Legal basis\nOrg A|Audit, local|s251\nOrg B|Research|Consent\n",
         [("Org A", "Audit, local"), ("Org B", "Research")]),
        ("Organisation\tPurpose\nOrg A\tAudit; local\nOrg B\tResearch\n",
         [("Org A", "Audit; local"), ("Org B", "Research")]),
    ],
)  # fmt: skip
def test_small_and_titled_tables_are_csv_by_their_bytes_alone(text, expected):
    document = read_document(text.encode(), "register.txt")
    assert document.format == "csv"
    assert [(r.fields.organisation, r.fields.purpose) for r in document.records] == expected


def test_title_lines_above_a_register_csv_shift_its_lines_not_its_fields():
    data = PHE_CSV.read_bytes()
    titled = b"PHE Office for Data Release - Data Release Register 2017/18\r\n"
    titled += b"Published 1 April 2018\r\n\r\n" + data
    plain, shifted = read_document(data, "phe.csv"), read_document(titled, "phe.csv")
    assert shifted.format == "csv"
    assert [r.fields for r in shifted.records] == [r.fields for r in plain.records]
    first, last = plain.records[0].source.cells["reference"].lines
    assert shifted.records[0].source.cells["reference"].lines == (first + 3, last + 3)


def test_a_csv_or_tsv_name_offers_one_line_text_to_the_csv_reader():
    header = b"Organisation,Purpose,Legal basis\n"
    assert detect_format(header, "register.csv") == "csv"
    assert detect_format(header.replace(b",", b"\t"), "register.tsv") == "csv"
    assert detect_format(header, "register.txt") == "text"  # one line is no table by itself


@pytest.mark.parametrize(
    "text",
    [" 1 Monitor\n\nCasemix HES data, grouped\n\nNon-Sensitive\n",
     "A paragraph, with a comma.\nAnd another line without one.\nAnd a third.\n"],
)  # fmt: skip
def test_prose_and_text_dumps_with_stray_commas_are_not_tables(text):
    assert detect_format(text.encode(), "notes.txt") == "text"


# --- a table by its header first, a dump or page only without one ----------------------------

HSCIC_HEADER = [
    "Row ID", "Organisation Name", "Type of Data Provided", "Data provided to customer",
    "Sensitive or Non Sensitive", "Legal Basis for Provision of Data", "Purpose",
    "One off release or on-going releases",
]  # fmt: skip
HSCIC_FIELDS = [
    "row_id", "organisation", "data_type", "data_provided", "sensitivity", "legal_basis",
    "purpose", "frequency",
]  # fmt: skip


@pytest.fixture(scope="module")
def hscic_dump_fields() -> list[dict]:
    return fields_of(HSCIC_DUMP.read_bytes(), "hscic-2014-sample.txt")


def as_delimited(records: list[dict], delimiter: str) -> bytes:
    """The register's rows as a spreadsheet export of the HSCIC 2014 edition would hold them."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(HSCIC_HEADER)
    writer.writerows([record[name] or "" for name in HSCIC_FIELDS] for record in records)
    return out.getvalue().encode("utf-8")


@pytest.mark.parametrize("name", ["hscic.tsv", "hscic.txt"])
@pytest.mark.parametrize("delimiter", ["\t", ",", ";"])
def test_a_delimited_hscic_export_is_a_table_not_a_text_dump(hscic_dump_fields, delimiter, name):
    document = read_document(as_delimited(hscic_dump_fields, delimiter), name)
    assert document.format == "csv"
    assert {r.source.layout for r in document.records} == {"hscic-2014"}
    got = [{f: r.fields.model_dump()[f] for f in HSCIC_FIELDS} for r in document.records]
    assert got == [{f: record[f] for f in HSCIC_FIELDS} for record in hscic_dump_fields]
    assert not any(r.warnings for r in document.records)


def test_a_text_dump_named_csv_is_still_read_as_a_dump(hscic_dump_fields):
    document = read_document(HSCIC_DUMP.read_bytes(), "hscic-2014-sample.csv")
    assert document.format == "text"
    assert [r.fields.model_dump() for r in document.records] == hscic_dump_fields


def test_a_csv_without_a_register_header_says_which_headers_it_saw():
    data = b"Quarter,Count\nQ1,4\nQ2,7\n"
    with pytest.raises(UnknownLayout, match="has no register header") as caught:
        read_document(data, "summary.csv")
    assert "the CSV table (headers 'Quarter', 'Count')" in str(caught.value)


@pytest.mark.parametrize("name", ["phe.csv", "phe.tsv"])
def test_a_header_only_csv_export_fails_for_its_missing_rows_not_its_layout(name):
    header = PHE_CSV.read_bytes().split(b"\n", 1)[0] + b"\n"
    if name.endswith(".tsv"):
        header = header.replace(b",", b"\t")
    with pytest.raises(ExtractError, match="found the register header .* but no data rows") as e:
        read_document(header, name)
    assert not isinstance(e.value, UnknownLayout)


# --- drr's own output ----------------------------------------------------------------------


def _drr_outputs() -> dict[str, bytes]:
    """drr's records of the PHE sample written as people pass JSON around (indented, an
    array), and ``drr diff`` output between it and the same register one agreement short."""
    from extract import Limits
    from workers.diff import diff_editions
    from workers.io import dumps
    from workers.pipeline import extract_records

    records = extract_records(PHE_CSV.read_bytes(), PHE_CSV.name, Limits())[1]
    changes = diff_editions(records, records[1:])
    assert changes and changes[0]["change"] == "removed"
    return {
        "pretty": json.dumps(records[0], indent=2, ensure_ascii=False).encode(),
        "array": json.dumps(records, indent=1).encode(),
        "array-compact": ("[" + ",".join(dumps(r) for r in records) + "]").encode(),
        "diff": "".join(dumps(c) + "\n" for c in changes).encode(),
    }


@pytest.mark.parametrize("kind", ["pretty", "array", "array-compact", "diff"])
def test_drrs_own_json_is_named_not_read_as_plain_text(kind, tmp_path, capsys):
    from workers.cli import main

    data = _drr_outputs()[kind]
    path = tmp_path / f"out.{'jsonl' if kind == 'diff' else 'json'}"
    path.write_bytes(data)
    with pytest.raises(ExtractError) as refused:
        read_document(data, path.name)
    said = str(refused.value)
    if kind == "diff":
        assert said.startswith("drr diff's own output (changes between editions")
    else:
        assert said.startswith("drr's own records as JSON") and "JSON Lines" in said
    assert "neither" not in said
    assert main(["extract", str(path)]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and said in captured.err


def test_a_register_csv_quoting_json_is_still_a_register():
    """A register whose cells hold JSON-like text is read, not refused: only a document
    that is JSON from its first character is drr's output."""
    text = PHE_CSV.read_text(encoding="utf-8")
    header, rest = text.split("\n", 1)
    quoted = header + "\n" + rest.replace("Cancer", '{"fields": "record_id source"} Cancer', 1)
    assert quoted != text
    assert detect_format(quoted.encode(), "register.csv") == "csv"
    assert len(fields_of(quoted.encode(), "register.csv")) == len(fields_of(PHE_CSV.read_bytes(),
                                                                            PHE_CSV.name))
