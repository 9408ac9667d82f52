"""Layout profiles: header matching rules, lookups, and every committed profile's own headers."""

from __future__ import annotations

import json

import pytest

from extract.profiles import (
    PROFILE_DIR,
    _check_lookups,
    _profile_from_json,
    field_for,
    load_profiles,
    match_header,
    normalise_header,
    row_to_fields,
)

PROFILES = {p.name: p for p in load_profiles()}


@pytest.mark.parametrize(
    "header, normalised",
    [
        ("DataRecipient", "data recipient"),
        ("ODRReference", "odr reference"),
        ("RowID", "row id"),
        (" Legal Basis for Provision of Data (Dissemination)", "legal basis for provision of data dissemination"),
        ("Data provided to customer:\nIdentifiable, Anonymised", "data provided to customer identifiable anonymised"),
        ("\ufeffRow ID", "row id"),
    ],
)  # fmt: skip
def test_normalise_header_splits_glued_words_and_drops_punctuation(header, normalised):
    assert normalise_header(header) == normalised


def test_exact_header_claims_its_field_before_a_prefix_match():
    headers = ["Title Links", "B number", "Title of project", "Proposal summary"]
    match = match_header(headers)
    assert match is not None and match.profile.name == "project-list"
    assert match.fields == (None, "reference", "title", "purpose")


def test_a_row_id_and_one_other_column_is_not_a_register_header():
    # the HDR UK check-list's row "Organisation Name, ..., No, Yes" once matched generic
    assert match_header(["Organisation Name", "The name of the legal entity", "No", "Yes"]) is None
    assert match_header(["Organisation Name", "Purpose", "No"]) is not None


@pytest.mark.parametrize(
    "headers, profile",
    [
        (["RowID", "Organisation Name", "Type of Data Provided", "Data provided to customer:\nIdentifiable",
          "Sensitive or Non-Sensitive", "Legal Basis for Provision of Data (Dissemination)", "Purpose",
          "Frequency", "NIC Number", "MR Number (where relevant)"], "nhs-digital-monthly"),
        (["Reference Number", "Organisation", "Objective for Processing", "Processing Activities",
          "Organisation Type"], "nhs-digital-purpose-statements"),
        (["Row ID", "Organisation Name", "Type of Data Provided", "Data provided to customer",
          "Sensitive or Non Sensitive", "Legal Basis for Provision of Data", "Purpose",
          "One off release or on-going releases"], "hscic-2014"),
        (["Key", "RowID", "ODRReference", "DataRecipient", "OrganisationType", "Purpose", "DataSource",
          "DataTypeProvidedTo", "LegalBasisForRelease", "DateOfRelease "], "phe-odr-2014"),
        (["ODR reference", "Applicant's organisation", "Applicant's organisation type",
          "Technical summary", "Lay summary overview:", "Data source", "Type of data",
          "Date of release"], "phe-odr-2017"),
        (["Title", "Lay Summary", "Technical Summary", "Collaborators", "Linkages"], "project-list"),
        (["Organisation", "Purpose", "Legal basis", "Colour"], "generic"),
    ],
)  # fmt: skip
def test_each_edition_header_picks_its_own_profile(headers, profile):
    match = match_header(headers)
    assert match is not None and match.profile.name == profile


def test_phe_2017_purpose_is_the_technical_summary_not_the_lay_summary():
    headers = [
        "ODR reference",
        "Applicant's organisation",
        "Technical summary",
        "Lay summary overview:",
    ]
    match = match_header(headers)
    fields = row_to_fields(match, ["ODR1", "Org", "Technical text", "Lay text"])
    assert fields.purpose == "Technical text"
    assert fields.extra == {"Lay summary overview:": "Lay text"}


def test_scraped_cells_that_repeat_their_header_lose_the_label_only():
    match = match_header(["Title", "Study Code", "Institution or Company", "Summary"])
    fields = row_to_fields(
        match,
        [
            "A study",
            "Study code\nNBR98",
            "Institution or company\nUniversity of X",
            "Study code\nis NBR1",
        ],
    )
    assert fields.reference == "NBR98"
    assert fields.organisation == "University of X"
    assert fields.purpose == "Study code is NBR1"  # another column's label is text, kept


def test_nhs_digital_releases_look_up_purpose_statements_by_reference():
    lookup = PROFILES["nhs-digital-monthly"].lookup
    assert lookup is not None
    assert (lookup.profile, lookup.on) == ("nhs-digital-purpose-statements", "reference")
    assert field_for("Reference Number", PROFILES[lookup.profile]) == "reference"


def test_a_lookup_must_name_a_profile_and_field_that_exist():
    base = {"name": "x", "columns": {"reference": ["Ref"], "organisation": ["Org"]}}
    with pytest.raises(ValueError, match="no column for"):
        _profile_from_json({**base, "lookup": {"profile": "generic", "on": "purpose"}}, "x.json")
    dangling = _profile_from_json(
        {**base, "lookup": {"profile": "nope", "on": "reference"}}, "x.json"
    )
    with pytest.raises(ValueError, match="no profile of that name"):
        _check_lookups([dangling, *load_profiles()])
    with pytest.raises(ValueError, match="unknown record fields"):
        _profile_from_json({"name": "y", "columns": {"colour": ["Colour"]}}, "y.json")


def test_every_committed_profile_is_described_and_its_required_fields_are_columns():
    for path in sorted(PROFILE_DIR.glob("*.json")):
        raw = json.loads(path.read_text(encoding="utf-8"))
        assert raw["description"], path.name
        assert set(raw.get("required", [])) <= set(raw["columns"]), path.name
        assert path.stem == raw["name"], path.name


def test_values_under_blank_headers_are_kept_by_position():
    match = match_header(["Organisation", "", "Purpose", "Notes\n(internal)"])
    fields = row_to_fields(match, ["Org", "stray", "Audit", "n"])
    assert fields.extra == {"column 2": "stray", "Notes (internal)": "n"}


SPEC = (
    PROFILE_DIR.parents[2]
    / "shared/corpora-raw/hdruk-data-use-register-spec"
    / "Specification for data use register fields version 2 2022.01.19.csv"
)


@pytest.mark.skipif(not SPEC.exists(), reason="raw registers not on this machine")
def test_hdruk_data_use_register_fields_map_onto_the_record():
    import csv
    import io

    from extract.detect import decode_text

    spec = list(csv.DictReader(io.StringIO(decode_text(SPEC.read_bytes()))))
    match = match_header([row["Field"].strip() for row in spec])
    mapped = {h: f for h, f in zip(match.headers, match.fields) if f}
    assert mapped == {
        "Lead applicant organisation name": "organisation",
        "Organisation sector": "organisation_type",
        "Sub-licence arrangements (if any)?": "sublicensing",
        "Project ID": "reference",
        "Project title": "title",
        "Lay summary": "purpose",
        "Project start date": "date_start",
        "Project end date": "date_end",
        "Dataset(s) name": "data_type",
        "Data sensitivity level": "sensitivity",
        "Legal basis for provision of data under Article 6": "legal_basis",
        "Request frequency": "frequency",
        "Release/Access date": "date_released",
        "Access type": "access_method",
    }


@pytest.mark.parametrize("header", ["Number of records", "No of patients", "No. of data subjects"])
def test_a_count_column_is_not_taken_for_the_row_id_by_prefix(header):
    match = match_header(["Organisation", header, "Purpose"])
    assert match is not None and match.profile.name == "generic"
    assert match.fields == ("organisation", None, "purpose")


@pytest.mark.parametrize("header", ["No", "Number", "No.", "Row ID", "ID"])
def test_a_whole_row_id_header_still_names_the_row_id(header):
    match = match_header([header, "Organisation", "Purpose"])
    assert match is not None and match.fields == ("row_id", "organisation", "purpose")


def test_exact_fields_must_be_columns_and_unknown_profile_keys_are_ignored():
    base = {"name": "x", "columns": {"row_id": ["No"], "organisation": ["Org"]}}
    profile = _profile_from_json({**base, "exact": ["row_id"], "vocabulary": {"a": 1}}, "x.json")
    assert profile.exact == {"row_id"}
    assert field_for("No of patients", profile) is None
    assert field_for("No of patients", _profile_from_json(base, "x.json")) == "row_id"
    with pytest.raises(ValueError, match="exact names \\['purpose'\\], not columns"):
        _profile_from_json({**base, "exact": ["purpose"]}, "x.json")
