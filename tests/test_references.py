"""Approval references: shapes from the registers, lists split, look-alikes refused."""

import json
from pathlib import Path

import pytest

from nlp.references import find_references

ENTITIES = Path(__file__).resolve().parent.parent / "corpora" / "entities"


def found(text):
    return [(r.text, r.scheme, r.canonical) for r in find_references(text)]


@pytest.mark.parametrize(("text", "expected"), [
    ("is returned to the customer. CAG 7-07(b)/2013, CAG 7-07(c)/2013",
     [("CAG 7-07(b)/2013", "CAG", "CAG 7-07(b)/2013"),
      ("CAG 7-07(c)/2013", "CAG", "CAG 7-07(c)/2013")]),
    ("customer. PIAG 2-05 (b)/2007", [("PIAG 2-05 (b)/2007", "PIAG", "PIAG 2-05(b)/2007")]),
    ("S251 Ref ECC 1-06 (d)/2011 and ECC 4-03 (e)/2012",
     [("ECC 1-06 (d)/2011", "ECC", "ECC 1-06(d)/2011"),
      ("ECC 4-03 (e)/2012", "ECC", "ECC 4-03(e)/2012")]),
    ("Section 251 -ECC 6-02 (FT3)/2012", [("ECC 6-02 (FT3)/2012", "ECC", "ECC 6-02(FT3)/2012")]),
    (" S251 Ref PIAG 4-08(d)/2003", [("PIAG 4-08(d)/2003", "PIAG", "PIAG 4-08(d)/2003")]),
    ("CAG 8-03(PR11)/2013", [("CAG 8-03(PR11)/2013", "CAG", "CAG 8-03(PR11)/2013")]),
    ("CAG 2-03(a)/2013, CAG 7-07(a)",
     [("CAG 2-03(a)/2013", "CAG", "CAG 2-03(a)/2013"), ("CAG 7-07(a)", "CAG", "CAG 7-07(a)")]),
    ("Health and Social Care Act 2012 DAAG Reference: OC/HES/019",
     [("OC/HES/019", "DAAG", "OC/HES/019")]),
    ("(CAG approval ref: 15/CAG/0139).", [("15/CAG/0139", "CAG", "15/CAG/0139")]),
    ("(Reference: ECC 6-02(FT3)2012) of", [("ECC 6-02(FT3)2012", "ECC", "ECC 6-02(FT3)/2012")]),
    ("Data flow - CAG 8-02 a-c/2014", [("CAG 8-02 a-c/2014", "CAG", "CAG 8-02(a-c)/2014")]),
    ("R5 - MR1109 - UK Biobank — DARS-NIC-08472-V9S6K",
     [("MR1109", "MR", "MR1109"), ("DARS-NIC-08472-V9S6K", "NIC", "DARS-NIC-08472-V9S6K")]),
    ("DARS-NIC-110660-G9W6M-v2.2",
     [("DARS-NIC-110660-G9W6M-v2.2", "NIC", "DARS-NIC-110660-G9W6M-v2.2")]),
    ("tracing service under NIC-148411-Q64H8 (MR104)",
     [("NIC-148411-Q64H8", "NIC", "DARS-NIC-148411-Q64H8"), ("MR104", "MR", "MR104")]),
    ("ODR1617_169/R4", [("ODR1617_169/R4", "ODR", "ODR1617_169/R4")]),
    ("favourable opinion from the London Queen Square REC (14/LO/1073)",
     [("14/LO/1073", "REC", "14/LO/1073")]),
])
def test_register_shapes(text, expected):
    assert found(text) == expected


def test_a_list_carries_its_scheme_to_bare_numbers():
    assert found("CAG 7-07(a)/2013, 7-07(b)/2013 and 7-07(c)/2013") == [
        ("CAG 7-07(a)/2013", "CAG", "CAG 7-07(a)/2013"),
        ("7-07(b)/2013", "CAG", "CAG 7-07(b)/2013"),
        ("7-07(c)/2013", "CAG", "CAG 7-07(c)/2013"),
    ]


@pytest.mark.parametrize("text", [
    "It is due to an expanded CAG repeat on the short arm of chromosome 4.",
    "Early childhood caries (ECC) is tooth decay that effecting children",
    "Regulation 5 (s251)",
    "Health and Social Care Act 2012 – s261(1) and s261(2)(b)(ii)",
    "Confidentiality Advisory Group (CAG) Approvals",
    "Section 251 approval is in place for the flow of identifiable data",
    "Pseudonymised or Identifiable, in line with CAG approval",
    "MRIS - Cause of Death Report",
])
def test_look_alikes_are_not_references(text):
    assert found(text) == []


def test_offsets_point_into_the_text():
    text = "before a pseudonymised output. S251 Ref ECC 1-06 (d)/2011 and ECC 4-03 (e)/2012"
    refs = find_references(text)
    assert [text[r.start:r.end] for r in refs] == ["ECC 1-06 (d)/2011", "ECC 4-03 (e)/2012"]


@pytest.mark.parametrize("name", ["references-seed.jsonl", "references-collected.jsonl"])
def test_hand_checked_sets_are_found_exactly(name):
    rows = [json.loads(line) for line in (ENTITIES / name).read_text(encoding="utf-8").splitlines()]
    for row in rows:
        expected = [(g["text"], g["scheme"], g["canonical"], g["start"], g["end"])
                    for g in row["references"]]
        got = [(r.text, r.scheme, r.canonical, r.start, r.end)
               for r in find_references(row["text"])]
        assert got == expected, row["source"]


def test_the_seed_set_holds_the_seventeen_references_of_the_2014_dump():
    rows = (ENTITIES / "references-seed.jsonl").read_text(encoding="utf-8").splitlines()
    assert sum(len(json.loads(line)["references"]) for line in rows) == 17
