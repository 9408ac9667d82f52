"""The organisation registry, the split of cells naming several bodies, the sector of
names nobody listed, and the records that link to the registry: on the committed registry
and names as real registers printed them (the HSCIC 2014 sample, ../shared's registers)."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest_service import ROOT, SAMPLE

from nlp.org_eval import evaluate_fresh
from nlp.org_registry import Registry, fold_key, load_registry
from nlp.org_sector import REVIEW_BELOW, classify, decide, fallback_sector, load_calibration
from nlp.org_split import split_organisations
from nlp.organisations import SECTORS

REGISTRY = load_registry()


def identity(name: str) -> str | None:
    found = REGISTRY.resolve(name)
    return REGISTRY.identity(found) if found else None


@pytest.mark.parametrize(("one", "other"), [
    ("IMS HEALTH LTD", "IQVIA Solutions UK Limited"),  # renamed after the 2016-17 merger
    ("HSCIC", "NHS Digital"),
    ("HEALTH & SOCIAL CARE INFORMATION CENTRE", "NHS Digital"),
    ("NHS Wirral CCG", "NHS Cheshire and Merseyside ICB - 12F"),  # CCG -> sub-ICB location
    ("Dr. Foster Limited", "Dr Foster Intelligence"),
    ("University College London (UCL)", "UCL"),
    ("Barnsley Council", "Barnsley Metropolitan Borough Council"),
    ("NHS England (Quarry House)", "NHS England"),  # a person merged these (decisions.jsonl)
])
def test_spellings_renames_and_acquisitions_are_one_identity(one: str, other: str) -> None:
    assert identity(one) is not None
    assert identity(one) == identity(other)


@pytest.mark.parametrize(("one", "other"), [
    ("Barnsley Council", "Bolton Council"),
    ("NHS Cheshire and Merseyside ICB - 12F", "NHS Cheshire and Merseyside ICB - 99A"),
    ("NHS Cheshire and Merseyside ICB - 12F", "NHS Cheshire and Merseyside Integrated Care Board"),
    ("NHS Digital", "NHS England"),  # merged into it in 2023: linked, not one recipient
    ("Papworth Trust", "Royal Papworth Hospital NHS Foundation Trust"),
    ("North Lincolnshire Council", "North East Lincolnshire Council"),
])
def test_neighbours_and_mergers_stay_apart(one: str, other: str) -> None:
    assert identity(one) is not None and identity(other) is not None
    assert identity(one) != identity(other)


def test_every_link_points_at_an_entry_and_ids_are_unique() -> None:
    data = json.loads((ROOT / "corpora/organisations/registry.json").read_text(encoding="utf-8"))
    ids = [e["id"] for e in data["organisations"]]
    assert len(ids) == len(set(ids))
    for entry in data["organisations"]:
        assert entry["sector"] in SECTORS
        for link in entry.get("successors", []):
            assert link["id"] in REGISTRY.entries and link["source"]
        if entry.get("part_of"):
            assert REGISTRY.entries[entry["part_of"]]["kind"] == "icb"
        for merge in entry.get("merges", []):
            assert merge["reviewer"] and merge["reason"] and merge["at"]


def test_successors_and_predecessors_are_kept_with_dates() -> None:
    digital = REGISTRY.entries[REGISTRY.resolve("NHS Digital")]
    assert {(s["kind"], s["date"]) for s in digital["successors"]} == {("merged_into", "2023-02-01")}
    assert REGISTRY.resolve("HSCIC") in REGISTRY.predecessors[digital["id"]]
    assert set(REGISTRY.lineage(digital["id"])) >= {digital["id"], REGISTRY.resolve("HSCIC")}


def test_ids_given_out_stay_valid_after_a_merge() -> None:
    kept = REGISTRY.resolve("NHS England")
    assert REGISTRY.current("nhs-england-quarry-house") == kept == REGISTRY.current(kept)
    assert REGISTRY.current("no-such-body") is None


def test_a_held_out_name_is_not_found_under_a_neighbour() -> None:
    entry = REGISTRY.resolve("Wirral Metropolitan Borough Council")
    hidden = REGISTRY.without([entry])
    assert hidden.resolve("Wirral Metropolitan Borough Council") is None
    assert hidden.resolve("Wirral Council") is None  # merged into it: hidden with it


def test_fold_key_sets_aside_form_case_codes_and_brackets() -> None:
    assert fold_key("IMS HEALTH LTD") == fold_key("IMS Health Limited")
    assert fold_key("NHS Wirral CCG") == fold_key("NHS WIRRAL CLINICAL COMMISSIONING GROUP")
    assert fold_key("NHS Cannock Chase CCG - 04Y") == fold_key("NHS Cannock Chase CCG")
    assert fold_key("Barnsley Council") != fold_key("Bolton Council")


@pytest.mark.parametrize(("cell", "names"), [
    ("CSUs, CCGs, NHS England, PHE, LAPH", ["CSUs", "CCGs", "NHS England", "PHE", "LAPH"]),
    ("NHS England - CSUs, CCGs", ["NHS England", "CSUs", "CCGs"]),
    ("Kier Business Services Limited and Dr Foster Limited",
     ["Kier Business Services Limited", "Dr Foster Limited"]),
    ("North Bristol Trust & University Hospitals Bristol Foundation Trust",  # a registry entry too
     ["North Bristol Trust", "University Hospitals Bristol Foundation Trust"]),
    ("Guy's and St Thomas' NHS Foundation Trust", ["Guy's and St Thomas' NHS Foundation Trust"]),
    ("Cumbria, Northumberland, Tyne and Wear NHS Foundation Trust",
     ["Cumbria, Northumberland, Tyne and Wear NHS Foundation Trust"]),
    ("NHS Barking and Dagenham CCG", ["NHS Barking and Dagenham CCG"]),
    ("London School of Hygiene and Tropical Medicine", ["London School of Hygiene and Tropical Medicine"]),
    ("NHS Cannock Chase CCG - 04Y", ["NHS Cannock Chase CCG - 04Y"]),
    ("EUROCARE-6 (Istituto Superiore di Sanit?, Italy)", ["EUROCARE-6 (Istituto Superiore di Sanit?, Italy)"]),
])
def test_cells_naming_several_bodies_are_split_and_names_are_not(cell: str, names: list[str]) -> None:
    assert [cell[s:e] for s, e in split_organisations(cell)] == names


def test_sector_of_names_nobody_listed_from_name_form_and_purpose() -> None:
    empty = Registry.from_entries([])
    assert decide("Acme Analytics Ltd", registry=empty) == ("commercial", "name: legal form")
    assert decide("NHS Nowhere CCG", registry=empty)[0] == "nhs_commissioner"
    assert decide("Nowhere Borough Council", registry=empty)[0] == "local_authority"
    said = "Zephyr is a consultancy company working for NHS trusts."
    assert decide("Zephyr", None, said, empty) == ("commercial", "text: company")
    assert decide("Zephyr", None, None, empty) == (fallback_sector(), "nothing known")
    # the publisher's own type wins over everything else
    assert decide("Zephyr", "Academic Institution", said, empty)[0] == "academic"


@pytest.mark.parametrize("name", [
    "Acme Pte Ltd", "Acme S.p.A.", "Acme SpA", "Acme AB", "Acme A/S", "Acme Oy", "Acme & Co",
    "Acme, Dickinson and Company", "Acme Incorporated", "Acme Sdn Bhd", "Acme N.V.", "Acme Srl"])
def test_legal_forms_in_any_spelling_make_a_company(name: str) -> None:
    assert decide(name, registry=Registry.from_entries([])) == ("commercial", "name: legal form")


@pytest.mark.parametrize("name", ["Abbey Road Surgery", "SE London Partnership", "Co-op Academy",
                                  "Absolutely Fabulous", "Incorporated Society of Musicians"])
def test_short_legal_forms_are_not_found_inside_other_names(name: str) -> None:
    assert decide(name, registry=Registry.from_entries([]))[1] != "name: legal form"


@pytest.mark.parametrize("name", [
    "Vrije Universiteit Amsterdam", "Universidade Federal de Pelotas", "Universität Zürich",
    "Università di Bologna", "Universidad de Granada", "Université de Lorraine",
    "Uniwersytet Warszawski", "Technische Hochschule Köln", "Politecnico di Milano",
    "Faculty of Medicine, Masaryk"])
def test_university_words_in_any_language(name: str) -> None:
    assert decide(name, registry=Registry.from_entries([])) == ("academic", "name: university")


def test_a_purpose_text_printing_the_recipients_own_name_with_a_legal_form() -> None:
    empty = Registry.from_entries([])
    said = "Zephyr Insight Ltd is requesting HES data to benchmark trusts."
    assert decide("Zephyr Insight", None, said, empty) == ("commercial", "text: name with legal form")
    assert decide("ZEPHYR", None, "Zephyr, Inc. will analyse", empty)[0] == "commercial"
    # another body's legal form after the name is not the recipient's
    other = "Zephyr works with Deloitte MSC Limited on the evaluation."
    assert decide("Zephyr", None, other, empty)[1] != "text: name with legal form"


@pytest.mark.parametrize(("name", "sector", "source"), [
    # a hospital whose own words no UK list and no English word explains is abroad
    ("Zarqovia Children's Hospital", "other", "name: hospital abroad"),
    ("Hospital of Xylanburg", "other", "name: hospital abroad"),
    # at home: an ODS trust's address or town, English words, an NHS form, a GP surgery
    ("Musgrove Park Hospital", "nhs_provider", "name: provider"),
    ("Sunderland Royal Hospital", "nhs_provider", "name: provider"),
    ("National Hospital for Neurology and Neurosurgery", "nhs_provider", "name: provider"),
    ("Zarqovia Hospitals NHS Foundation Trust", "nhs_provider", "name: provider"),
    ("Zarqovia Health Centre", "nhs_provider", "name: provider"),
])
def test_a_hospital_abroad_is_told_from_an_nhs_one(name: str, sector: str, source: str) -> None:
    assert decide(name, registry=Registry.from_entries([])) == (sector, source)


@pytest.mark.parametrize(("name", "sector", "source"), [
    ("MRC Unit for Zymurgy", "academic", "name: mrc unit"),
    ("Zymurgy MRC Centre", "academic", "name: mrc unit"),
    ("Medical Research Council Zymurgy Unit", "academic", "name: mrc unit"),
    ("Zymurgy Food and Drug Administration", "central_government", "name: government"),
    ("Statens Zymurgy Institut", "central_government", "name: government"),
    ("National Institutes of Zymurgy", "central_government", "name: government"),
    ("Zarqovian Institute of Public Health", "central_government", "name: government"),
    ("WHO Regional Office for Zarqovia", "other", "name: international body"),
    ("World Health Organization", "other", "name: international body"),
    # "who" in lower case is no WHO; "National Institute for" (the UK's) stays unplaced
    ("Who Cares Zymurgy Trust", "charity_or_research_body", "name: research body"),
    ("National Institute for Zymurgy", "charity_or_research_body", "name: research body"),
])
def test_mrc_units_state_bodies_abroad_and_international_bodies(name: str, sector: str, source: str) -> None:
    assert decide(name, registry=Registry.from_entries([])) == (sector, source)


def test_an_industry_study_places_a_name_nothing_else_places() -> None:
    empty = Registry.from_entries([])
    for title in ("Treatment patterns and burden of zymurgy in the UK",
                  "Real-world use of Zymuxol in children",
                  "Post Authorisation Safety Study (PASS) of Zymuxol"):
        assert decide("Zephyr", None, title, empty) == ("commercial", "text: industry study")
    # never over the name's own words, nor over what the text says the recipient is
    assert decide("Zephyr University", None, "Burden of zymurgy", empty)[0] == "academic"
    assert decide("Zephyr Institute", None, "Burden of zymurgy", empty)[1] == "name: research body"
    assert decide("Zephyr", None, "Zephyr is a registered charity. Burden of zymurgy.", empty)[0] \
        == "charity_or_research_body"
    assert decide("Zephyr", None, "Incidence of zymurgy in adults", empty)[1] == "nothing known"
    # its confidence is the share of calibration organisations it placed right
    guess = classify("Zephyr Wibble", None, "Treatment patterns of zymurgy")
    assert guess.source == "text: industry study"
    assert guess.confidence == load_calibration()["text: industry study"]


def test_the_fallback_sector_is_read_from_the_calibration(tmp_path: Path) -> None:
    assert fallback_sector(tmp_path / "none.json") == "other"
    written = tmp_path / "calibration.json"
    written.write_text(json.dumps({"fallback": {"sector": "academic"}, "sources": {}}), encoding="utf-8")
    assert fallback_sector(written) == "academic"


def test_the_fresh_set_hides_its_own_registry_entries_but_keeps_the_ods_lists(tmp_path: Path) -> None:
    lines = [{"id": "phe", "names": ["Public Health England"], "sector": "central_government",
              "purposes": []},
             {"id": "airedale", "names": ["Airedale NHS Foundation Trust"], "sector": "nhs_provider",
              "purposes": []}]
    path = tmp_path / "fresh.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    registry = Registry.load()
    assert registry.entries[registry.resolve("Public Health England")]["sector_from"] not in ("ods", "ons")
    assert registry.entries[registry.resolve("Airedale NHS Foundation Trust")]["sector_from"] == "ods"
    sources = {name: source for name, _, _, source in evaluate_fresh(registry, path)["rows"]}
    assert sources == {"Public Health England": "name: government",
                       "Airedale NHS Foundation Trust": "registry (ods)"}


def test_sector_confidence_is_calibrated_and_unsure_ones_need_review() -> None:
    calibration = load_calibration()
    assert calibration["nothing known"] < REVIEW_BELOW
    unknown = classify("Zephyr Wibble")
    assert unknown.needs_review and unknown.confidence == calibration["nothing known"]
    listed = classify("Public Health England")
    assert listed.source.startswith("registry") and not listed.needs_review


@cache
def enriched_sample() -> tuple[dict[str, Any], ...]:
    """The HSCIC 2014 sample as ``drr process`` writes it, made once per test session (the
    organisation tests of three modules read it; each takes a fresh copy)."""
    out = subprocess.run([sys.executable, "-m", "workers.cli", "process", str(SAMPLE)],
                         capture_output=True, text=True, check=True, cwd=ROOT, timeout=300)
    return tuple(json.loads(line) for line in out.stdout.splitlines())


def sample_copy() -> list[dict[str, Any]]:
    return copy.deepcopy(list(enriched_sample()))


def test_records_link_to_the_registry_and_keep_the_name_as_printed() -> None:
    records = sample_copy()
    cells = [r for r in records if r["fields"]["organisation"] == "NHS England - CSUs, CCGs"]
    assert cells, "the sample's multi-body cell"
    orgs = [o for o in cells[0]["entities"]["organisations"] if o["field"] == "organisation"]
    assert [o["text"] for o in orgs] == ["NHS England", "CSUs", "CCGs"]
    assert [cells[0]["fields"]["organisation"][o["start"]:o["end"]] for o in orgs] == [
        "NHS England", "CSUs", "CCGs"]
    assert orgs[0]["id"] == REGISTRY.resolve("NHS England") and orgs[1]["id"] is None
    assert orgs[1]["sector"] == "nhs_commissioner"
    schema = json.loads((ROOT / "schema" / "record.schema.json").read_text())
    for r in records:
        jsonschema.validate(r, schema)
        for org in r["entities"]["organisations"]:
            assert org["id"] is None or org["id"] in REGISTRY.entries
            assert org["needs_review"] == (org["sector_confidence"] < REVIEW_BELOW)
