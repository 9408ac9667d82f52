"""Data set names mapped to one catalogue entry each."""

import json

import spacy

from nlp.datasets import CATALOGUE_PATH, SPANS_KEY, DatasetCatalogue, merge_abbreviations

HES_APC = "Hospital Episode Statistics Admitted Patient Care"
ENTRIES = [
    {"canonical": HES_APC, "abbreviations": ["HES APC"],
     "aliases": [{"text": "HES Inpatient", "source": "test"}]},
    {"canonical": "Hospital Episode Statistics", "abbreviations": ["HES"], "aliases": []},
    {"canonical": "Mental Health Services Data Set", "abbreviations": ["MHSDS"], "aliases": []},
    {"canonical": "Diagnostic Imaging Dataset", "abbreviations": ["DID"], "aliases": []},
]


def pipeline(entries=ENTRIES):
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("span_ruler", config={
        "spans_key": SPANS_KEY, "phrase_matcher_attr": "LOWER",
        "spans_filter": {"@misc": "spacy.first_longest_spans_filter.v1"}})
    catalogue = DatasetCatalogue.from_entries(entries)
    ruler.add_patterns(catalogue.patterns(lambda text: [t.text for t in nlp.make_doc(text)]))
    return nlp


def mentions(nlp, text):
    doc = nlp(text)
    return [(s.text, s.id_) for s in merge_abbreviations(doc, list(doc.spans[SPANS_KEY]))]


def test_whole_names_are_looked_up_through_spelling_noise():
    catalogue = DatasetCatalogue.from_entries(ENTRIES)
    assert catalogue.lookup("hes inpatient") == HES_APC
    mhsds = "Mental Health Services Data Set"
    assert catalogue.lookup("Mental Health Services Data Set (MHSDS) v5.0") == mhsds
    assert catalogue.lookup("Bespoke Monthly Extract : HES APC") == HES_APC
    assert catalogue.lookup("Something else") is None


def test_the_longest_name_wins_and_case_matters_only_for_short_names():
    nlp = pipeline()
    assert mentions(nlp, "Bespoke Extract; HES Inpatient") == [("HES Inpatient", HES_APC)]
    assert mentions(nlp, "Bespoke Extract; hes inpatient") == []
    assert mentions(nlp, "We did use the DID") == [("DID", "Diagnostic Imaging Dataset")]


def test_hes_products_named_around_a_year():
    nlp = pipeline()
    assert mentions(nlp, "Casemix HES 2012/13 APC data") == [("HES 2012/13 APC", HES_APC)]
    assert mentions(nlp, "APC 2012/13 Final Year HES data extract") == [
        ("APC 2012/13 Final Year HES", HES_APC)]


def test_a_name_and_its_bracketed_abbreviation_are_one_mention():
    nlp = pipeline()
    assert mentions(nlp, "Mental Health Services Data Set (MHSDS) and HES") == [
        ("Mental Health Services Data Set (MHSDS)", "Mental Health Services Data Set"),
        ("HES", "Hospital Episode Statistics"),
    ]


def test_the_committed_catalogue_says_where_every_alias_came_from():
    entries = json.loads(CATALOGUE_PATH.read_text(encoding="utf-8"))["datasets"]
    assert len({e["canonical"] for e in entries}) == len(entries)
    assert all(alias["source"] for e in entries for alias in e["aliases"])
    sources = " ".join(alias["source"] for e in entries for alias in e["aliases"])
    for register in ("nhs-digital-release-register-2021-02", "theysolditanyway",
                     "phe-data-release-register", "seeds/003"):
        assert register in sources
