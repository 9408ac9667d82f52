"""Organisation names and sectors: canonical spellings, publisher types first, name rules last."""

import json

import pytest

from nlp.organisations import (
    GazetteerIndex,
    canonical_organisation,
    classify_sector,
    clean_organisation,
    load_gazetteer,
    organisation_candidates,
    sector_from_name,
    sector_from_publisher_type,
)


@pytest.mark.parametrize(("printed", "canonical"), [
    ("DR. FOSTER LTD", "Dr Foster Limited"),
    ("Dr Foster Ltd", "Dr Foster Limited"),
    ("NHS Cannock Chase CCG - 04Y", "NHS Cannock Chase CCG"),
    ("NHS Greater Manchester ICB - 02a", "NHS Greater Manchester ICB"),
    ("Care Quality Commission (CQC)", "Care Quality Commission"),
    ("KING'S COLLEGE LONDON", "King's College London"),
    ("NHS Cumbria Ccg", "NHS Cumbria CCG"),
    ("Barts And The London School Of Medicine And Dentistry",
     "Barts and the London School of Medicine and Dentistry"),
    ("  University   of Leeds ", "University of Leeds"),
])
def test_clean_spellings(printed, canonical):
    assert clean_organisation(printed) == canonical


def test_spellings_of_one_organisation_share_a_canonical_name():
    assert canonical_organisation("CARE QUALITY COMMISSION") == canonical_organisation("CQC")
    assert canonical_organisation("Dr. Foster Limited") == canonical_organisation("DR FOSTER LTD")


@pytest.mark.parametrize(("name", "sector"), [
    ("University Hospitals Bristol NHS Foundation Trust", "nhs_provider"),
    ("University of Nowhere", "academic"),
    ("NHS Somewhere CCG", "nhs_commissioner"),
    ("Midlands and Lancashire Commissioning Support Unit", "nhs_commissioner"),
    ("Somewhere Metropolitan Borough Council", "local_authority"),
    ("Acme Analytics Ltd", "commercial"),
    ("Widget Partners LLP", "commercial"),
    ("Department for Widgets", "central_government"),
    ("Office for Widget Statistics", "central_government"),
    ("Royal College of Widgetry", "charity_or_research_body"),
    ("The Widget Foundation", "charity_or_research_body"),
    ("Widget Biobank", "charity_or_research_body"),
    ("Widgets", "other"),
])
def test_name_rules(name, sector):
    assert sector_from_name(name) == sector


@pytest.mark.parametrize(("publisher_type", "sector"), [
    ("Clinical Commissioning Group (CCG)", "nhs_commissioner"),
    ("Clinical Commissioning Group (CCG), Sub ICB Location", "nhs_commissioner"),
    ("No, Yes (Charity)", "charity_or_research_body"),
    ("NHS Trust, Academic", "nhs_provider"),
    ("Independent Sector Organisation", "charity_or_research_body"),
    ("Government Agency (Health and Adult Social Care)", "central_government"),
    ("SME", "commercial"),
    ("", None),
    ("Something new", None),
])
def test_publisher_types(publisher_type, sector):
    assert sector_from_publisher_type(publisher_type) == sector


def test_the_publishers_type_wins_over_gazetteer_and_name():
    assert classify_sector("University of Leeds", "Supplier") == "commercial"


def test_the_gazetteer_wins_over_the_name_rules():
    # PHE typed Genomics England Ltd "Other Health and Social Care System Public Body";
    # the name alone ("Ltd") would say commercial.
    assert sector_from_name("Genomics England Ltd") == "commercial"
    assert classify_sector("Genomics England Ltd") == "central_government"


def test_every_gazetteer_entry_has_a_sector_and_a_source():
    from nlp.organisations import GAZETTEER_PATH, SECTORS

    entries = json.loads(GAZETTEER_PATH.read_text(encoding="utf-8"))["organisations"]
    assert len(entries) > 300
    assert all(e["sector"] in SECTORS and e["sources"] for e in entries)
    assert load_gazetteer()


def test_candidates_are_name_runs_with_an_organisation_word():
    text = ("Data will be used by Capita Business Services Ltd to support the audit. "
            "Results go to the University of Leeds and to CQC. The data is pseudonymised.")
    spans = organisation_candidates(text, frozenset({"CQC"}))
    assert [text[s:e] for s, e in spans] == [
        "Capita Business Services Ltd", "University of Leeds", "CQC"]


def test_gazetteer_index_finds_the_longest_printed_name():
    names = {"University College London", "University College London Hospitals", "UK Biobank"}
    index = GazetteerIndex(frozenset(names), 4)
    text = "staff of University College London Hospitals and UK Biobank’s team"
    assert [text[s:e] for s, e in index.find(text)] == [
        "University College London Hospitals", "UK Biobank"]


def test_bare_acronyms_name_their_organisation():
    assert canonical_organisation("HSCIC") == canonical_organisation(
        "Health and Social Care Information Centre")
    assert classify_sector("HSCIC") == "central_government"
    assert sector_from_name("Medical Research Council") == "central_government"
    assert sector_from_name("Wirral Council") == "local_authority"


def test_a_hyphenated_word_is_not_an_organisation_cue():
    text = "Summary Hospital-level Mortality Indicator (SHMI) data for Leeds Teaching Hospitals"
    spans = organisation_candidates(text)
    assert [text[s:e] for s, e in spans] == ["Leeds Teaching Hospitals"]
