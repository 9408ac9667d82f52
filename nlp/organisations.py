"""Organisation names: one canonical spelling each, and the sector the organisation is in.

Registers spell the same recipient many ways ("DR. FOSTER LTD", "Dr Foster Limited",
"NHS Cannock Chase CCG - 04Y", "Care Quality Commission (CQC)"). ``canonical_organisation``
folds those spellings together; ``classify_sector`` says which sector the recipient is
in, trusting, in order: the publisher's own organisation type, the committed gazetteer
(``corpora/entities/organisations.json``, built from the publishers' types), then name
rules. Every function here is pure; the gazetteer is read once and cached.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import get_args

from nlp.record import Sector

CORPORA = Path(__file__).resolve().parent.parent / "corpora"
GAZETTEER_PATH = CORPORA / "entities" / "organisations.json"
SECTORS: tuple[Sector, ...] = get_args(Sector)

# Words kept upper case when an ALL-CAPS name is re-cased: registers print many names in
# capitals, and "Nhs" or "Ccg" would be a new spelling rather than a canonical one.
_ACRONYMS = frozenset((
    "NHS", "CCG", "CSU", "ICB", "ICS", "UK", "PHE", "NIHR", "NICE", "CQC", "HQIP", "CPRD", "ONS",
    "UCL", "LSHTM", "LSE", "NHSBSA", "HSCIC", "GP", "NEL", "NECS", "AGEM", "MLCSU", "SCW", "PLC",
    "LLP", "LLC", "CIC", "IQVIA", "IMS", "RCP", "RCS", "ICNARC", "NICOR", "HES", "DHSC", "MHRA",
    "HRA", "NCRAS", "KCL", "QMUL", "UCLH",
))
_ACRONYM_WORD = re.compile(r"\b(" + "|".join(sorted(_ACRONYMS)) + r")\b", re.IGNORECASE)
_SMALL_WORDS = frozenset(("and", "of", "for", "the", "in", "on", "at", "to", "by", "with"))
_INNER_SMALL_WORD = re.compile(r"(?<=\S )(" + "|".join(_SMALL_WORDS) + r")\b(?= \S)", re.IGNORECASE)

# "NHS Cannock Chase CCG - 04Y": the register appends the organisation's ODS code.
_ODS_SUFFIX = re.compile(r"\s*[-–]\s*(?=\w*\d)[0-9A-Za-z]{3}\s*$")
# "Care Quality Commission (CQC)": a trailing bracketed acronym repeats the name.
_BRACKETED_ACRONYM = re.compile(r"\s*\((?=[^)]*[A-Z]{2})[A-Z][A-Za-z&.\s]{0,11}\)\s*$")
_LIMITED = re.compile(r"\bltd\b\.?", re.IGNORECASE)
_DOCTOR = re.compile(r"\bDr\.(?=\s)", re.IGNORECASE)
_SPACES = re.compile(r"\s+")

# What each publisher's organisation type means as a sector. Keys are lower-cased types
# as printed in the NHS Digital 2021 workbook (PurposeStatements), the PHE registers and
# the Data Uses Register ("Purposes: No (Academic)" on theysolditanyway.com).
PUBLISHER_TYPES: dict[str, Sector] = {
    "clinical commissioning group (ccg)": "nhs_commissioner",
    "commissioning support unit (csu)": "nhs_commissioner",
    "area team": "nhs_commissioner",
    "nhs england commissioning or geographic region": "nhs_commissioner",
    "ccg": "nhs_commissioner",
    "sub icb location": "nhs_commissioner",
    "icb": "nhs_commissioner",
    "specialised commissioning hub": "nhs_commissioner",
    "icb - integrated care board": "nhs_commissioner",
    "dscro/ ccg/ csu": "nhs_commissioner",
    "local authority": "local_authority",
    "academic": "academic",
    "academic institution": "academic",
    "agency/public body": "central_government",
    "ministerial department": "central_government",
    "government": "central_government",
    "government agency (health and adult social care)": "central_government",
    "other health and social care system public body": "central_government",
    "nhs trust": "nhs_provider",
    "hospital": "nhs_provider",
    "cqc registered health or/and social care provider": "nhs_provider",
    "supplier": "commercial",
    "commercial": "commercial",
    "sme": "commercial",
    "consultancy": "commercial",
    "private healthcare": "commercial",
    "independent sector healthcare provider": "commercial",
    "cqc approved national contractor": "commercial",
    "research": "charity_or_research_body",
    "charity": "charity_or_research_body",
    "independent sector organisation": "charity_or_research_body",
    "network": "other",
    "other": "other",
}

# Name rules for organisations the gazetteer does not know; the first match wins, so the
# more specific patterns come first ("University Hospitals ... NHS Trust" is a provider,
# "Royal College of Physicians" a professional charity, not a college).
_NAME_RULES_WORDS: tuple[tuple[Sector, tuple[str, ...]], ...] = (
    ("nhs_commissioner", (
        "CCGs?", "CSUs?", "ICBs?", "Clinical Commissioning Groups?", "Commissioning Support Unit",
        "Integrated Care (Board|System)", "Primary Care Trust", "PCTs?", "Area Team",
        "Commissioning Hub", "DSCRO",
    )),
    ("nhs_provider", (
        "NHS (Foundation )?Trust", "Foundation Trust", "NHS FT", "Hospitals?", "Ambulance Service",
        "Health Board", "Healthcare NHS",
    )),
    ("central_government", ("Research Council", "Medical Research Council")),
    ("local_authority", (
        "Council", "Borough", "Combined Authority", "Greater London Authority",
        "City of London Corporation",
    )),
    ("charity_or_research_body", ("Royal College of",)),
    ("academic", ("Universit(y|ies)", "College", "School of", "Medical School", "Polytechnic")),
    ("commercial", (
        "Ltd", "Limited", "PLC", "LLP", "LLC", "Inc", "GmbH", "Corp(oration)?",
        "Community Interest Company", "Consult(ing|ancy|ants)", "Analytics", "Solutions",
        "Associates",
    )),
    ("central_government", (
        "Department (of|for)", "Ministry", "Agency", "Office (of|for)", "Commission", "Executive",
        "Public Health (England|Wales|Scotland)",
        "NHS (Digital|England|Improvement|Blood and Transplant)",
        "Business Services Authority", "Health Research Authority", "Information Centre",
        "Government", "Cabinet Office", "HM",
    )),
    ("charity_or_research_body", (
        "Trust", "Fund", "Institute", "Foundation", "Biobank", "Charit(y|able)", "Society",
        "Research", "Registry", "Association", "Partnership",
    )),
)
_NAME_RULES: tuple[tuple[Sector, re.Pattern[str]], ...] = tuple(
    (sector, re.compile(r"\b(" + "|".join(words) + r")\b", re.IGNORECASE))
    for sector, words in _NAME_RULES_WORDS
)


def clean_organisation(name: str) -> str:
    """The name with register noise removed: codes, bracketed acronyms, case, abbreviations."""
    text = recase(_SPACES.sub(" ", name).strip(" ,;"))
    text = _ODS_SUFFIX.sub("", text)
    text = _BRACKETED_ACRONYM.sub("", text) or text
    text = _LIMITED.sub("Limited", text)
    return _DOCTOR.sub("Dr", text).strip(" ,;.")


def recase(text: str) -> str:
    """Title-case a name printed in capitals, keeping acronyms and small words as they are.

    Names some sites title-cased ("NHS Cumbria Ccg", "Uk Biobank") get their acronyms back.
    """
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 6 or any(c.islower() for c in letters):
        text = _ACRONYM_WORD.sub(lambda m: m.group(0).upper(), text)
        return _INNER_SMALL_WORD.sub(lambda m: m.group(0).lower(), text)
    words = text.split(" ")
    return " ".join(_recase_word(word, i == 0) for i, word in enumerate(words))


def _recase_word(word: str, first: bool) -> str:
    bare = word.strip("(),.;:'’")
    if bare in _ACRONYMS or not any(c.isalpha() for c in bare):
        return word
    if bare.lower() in _SMALL_WORDS and not first:
        return word.lower()
    # "KING'S" -> "King's", "BATH-AND" -> "Bath-And": capitalise after a hyphen, not a quote.
    return "-".join(part[:1].upper() + part[1:].lower() for part in word.split("-"))


def organisation_key(name: str) -> str:
    """What two spellings of one organisation have in common: the gazetteer's lookup key."""
    text = clean_organisation(name).lower().replace("&", " and ")
    text = re.sub(r"[’'`.,()\"]", "", text)
    text = re.sub(r"[^a-z0-9]+", " ", text).strip()
    return re.sub(r"^the ", "", text)


@lru_cache(maxsize=4)
def load_gazetteer(path: Path = GAZETTEER_PATH) -> dict[str, tuple[str, Sector]]:
    """key -> (canonical name, sector) for every name and alias in the gazetteer file."""
    if not path.is_file():
        return {}
    entries = json.loads(path.read_text(encoding="utf-8"))["organisations"]
    table: dict[str, tuple[str, Sector]] = {}
    for entry in entries:
        for spelling in (entry["canonical"], *entry.get("aliases", [])):
            table.setdefault(organisation_key(spelling), (entry["canonical"], entry["sector"]))
            # "Care Quality Commission (CQC)": text often names it by the acronym alone.
            for acronym in re.findall(r"\(([A-Z][A-Z&]{1,7})\)\s*$", spelling):
                table.setdefault(acronym.lower(), (entry["canonical"], entry["sector"]))
    for acronym, name in ACRONYM_NAMES.items():
        known = table.get(organisation_key(name), (name, sector_from_name(name)))
        table.setdefault(acronym.lower(), known)
    return table


@lru_cache(maxsize=65536)  # registers repeat a recipient on every data set row
def canonical_organisation(name: str) -> str:
    """One spelling per organisation: the gazetteer's when it knows it, else the cleaned name."""
    known = load_gazetteer().get(organisation_key(name))
    return known[0] if known else clean_organisation(name)


def sector_from_publisher_type(publisher_type: str | None) -> Sector | None:
    """The sector a publisher's own type names; for "NHS Trust, Academic" the first one."""
    if not publisher_type:
        return None
    for part in _publisher_type_parts(publisher_type):
        if part in PUBLISHER_TYPES:
            return PUBLISHER_TYPES[part]
    return None


def _publisher_type_parts(publisher_type: str) -> list[str]:
    text = _SPACES.sub(" ", publisher_type).strip().lower()
    # "Purposes: No, Yes (Charity)" style cells carry the type in brackets.
    bracketed = re.findall(r"\(([^)]*)\)\s*$", text)
    whole = [text, *bracketed]
    return whole + [p.strip() for chunk in whole for p in chunk.split(",") if p.strip()]


def sector_from_name(name: str) -> Sector:
    for sector, pattern in _NAME_RULES:
        if pattern.search(name):
            return sector
    return "other"


@lru_cache(maxsize=65536)
def classify_sector(name: str, publisher_type: str | None = None) -> Sector:
    """The recipient's sector: publisher's type, then gazetteer, then name rules."""
    from_type = sector_from_publisher_type(publisher_type)
    if from_type is not None:
        return from_type
    known = load_gazetteer().get(organisation_key(name))
    return known[1] if known else sector_from_name(clean_organisation(name))


# Organisation mentions in free text. A candidate is a run of capitalised words (with the
# small words names use: "University of Leeds", "Guy's and St Thomas'") that holds a word
# organisations are named with, or a known organisation acronym. The trained model in
# ``nlp.entities`` decides which candidates are organisations and where they start and end;
# proposing candidates by rule keeps it off the ~90% of a purpose text that names none.
_CUE_WORDS = (
    "University", "Universities", "College", "Trust", "Trusts", "NHS", "Council", "Ltd", "Limited",
    "PLC", "plc", "Inc", "LLP", "Institute", "Foundation", "Agency", "Department", "Commission",
    "Office", "School", "Hospital", "Hospitals", "Centre", "Center", "Society", "Charity",
    "Network", "Partnership", "Board", "Authority", "Alliance", "Consortium", "Registry",
    "Biobank", "CCG", "CCGs", "CSU", "CSUs", "ICB", "Unit", "Fund", "Association", "Group",
    "Service", "Services", "Company", "Digital", "England", "Wales", "Scotland", "Health",
    "Research", "Care", "Clinic", "Laboratory", "Laboratories", "Partners", "Solutions",
    "Analytics", "Consulting", "Intelligence", "Systems", "Collaboration", "Programme",
    "Commissioning", "Corporation", "Federation", "Practice", "Register",
)
_CONNECTOR = r"(?:of|and|for|the|in|on|at|upon|&|de|du)"
_CAPITALISED = r"(?:[A-Z][\w’'&-]*|[0-9]+[A-Z][\w-]*)"
# The lookahead lets the engine skip to a possible first character (a third faster).
_CANDIDATE = re.compile(
    rf"(?=[A-Z0-9]){_CAPITALISED}(?:[ \t]+(?:{_CONNECTOR}[ \t]+)*{_CAPITALISED})*"
)
# A cue inside a hyphenated word is not one: "Summary Hospital-level Mortality Indicator".
_CUE = re.compile(r"\b(?:" + "|".join(_CUE_WORDS) + r")\b(?!-)")
_ACRONYM = re.compile(r"^[A-Z][A-Z0-9&]{1,7}$")
# What the registers' bare acronyms stand for, where no publisher printed "Name (ACRONYM)".
ACRONYM_NAMES = {
    "HSCIC": "Health and Social Care Information Centre", "NHSD": "NHS Digital",
    "NICOR": "National Institute for Cardiovascular Outcomes Research",
    "DHSC": "Department of Health and Social Care", "DH": "Department of Health",
    "NHSE": "NHS England", "HQIP": "Healthcare Quality Improvement Partnership",
    "CPRD": "Clinical Practice Research Datalink", "UKHSA": "UK Health Security Agency",
    "OHID": "Office for Health Improvement and Disparities",
    "NIHR": "National Institute for Health Research",
    "ICNARC": "Intensive Care National Audit & Research Centre",
    "MRC": "Medical Research Council", "HRA": "Health Research Authority",
    "NHSBSA": "NHS Business Services Authority", "NHSBT": "NHS Blood and Transplant",
    "LSHTM": "London School of Hygiene & Tropical Medicine", "KCL": "King's College London",
    "QMUL": "Queen Mary University of London", "CRUK": "Cancer Research UK",
    "BHF": "British Heart Foundation",
}
# Recipients the registers name by acronym whose full names carry no bracketed acronym.
_KNOWN_ACRONYMS = frozenset((
    "HSCIC", "HQIP", "CPRD", "NICOR", "IQVIA", "UKHSA", "OHID", "DHSC", "NHSE", "NHSX", "NIHR",
    "MRC", "ICNARC", "HRA", "CHKS", "IMS", "NHSBSA", "NHSBT", "RCP", "RCS", "RCOG", "LSHTM",
    "KCL", "QMUL", "UCLH", "CRUK", "BHF", "ONS", "NICE", "CQC", "PHE", "NHSD", "HDRUK", "DH",
))


# Kinds of organisation, which name none (annotation guideline: "CCGs", "NHS Trusts", "the
# CCG", "the NHS" are not organisations). A candidate that is one of these, with or without
# "The", is decided without the model.
GENERIC_CLASSES = frozenset((
    "Local Authority", "Local Authorities", "CCG", "CCGs", "Clinical Commissioning Group",
    "Clinical Commissioning Groups", "NHS", "NHS Trust", "NHS Trusts", "NHS Foundation Trust",
    "NHS Foundation Trusts", "Foundation Trust", "Foundation Trusts", "Trust", "Trusts",
    "CSU", "CSUs", "Commissioning Support Unit", "Commissioning Support Units", "ICB", "ICBs",
    "Integrated Care Board", "Integrated Care Boards", "Integrated Care System",
    "Integrated Care Systems", "Primary Care Trust", "Primary Care Trusts", "GP Practice",
    "GP Practices", "Health and Wellbeing Board", "Health and Wellbeing Boards",
    "Director of Public Health", "Directors of Public Health", "Data Controller",
    "Data Controllers", "Data Processor", "Data Processors",
))


def organisation_candidates(
    text: str, acronyms: frozenset[str] = frozenset()
) -> list[tuple[int, int]]:
    """Character spans that may name an organisation: cue-word runs and known acronyms."""
    spans = []
    for m in _CANDIDATE.finditer(text):
        run = m.group(0)
        # One word names an organisation only as a known acronym: "NHS", "CCG", "England"
        # alone are the service, a kind of body, a place (a quarter of all candidates).
        if _CUE.search(run) if " " in run or "\t" in run else run in acronyms:
            spans.append((m.start(), m.end()))
    return spans


def organisation_acronyms(path: Path = GAZETTEER_PATH) -> frozenset[str]:
    """Acronyms the publishers print after organisation names: "(CQC)", "(HQIP)"."""
    if not path.is_file():
        return frozenset()
    entries = json.loads(path.read_text(encoding="utf-8"))["organisations"]
    spellings = [s for e in entries for s in (e["canonical"], *e.get("aliases", []))]
    found = {m for s in spellings for m in re.findall(r"\(([A-Z][A-Z&]{1,7})\)\s*$", s)}
    return frozenset(a for a in found | _KNOWN_ACRONYMS if _ACRONYM.match(a))


# Two recipients in one register cell ("Kier Business Services Limited and Dr Foster
# Limited") are not one organisation's name; such cells are left out of the index.
_TWO_ORGS = re.compile(r"\b(?:Ltd|Limited|LLP|PLC|CCG|CSU|Trust|University|Council)\.? (?:and|&) ")
_TRAILING = re.compile(r"(?:['’]s|[,.;:)\]’'])+$")


@dataclass(frozen=True)
class GazetteerIndex:
    """The gazetteer's names as printed, found in text by longest word n-gram lookup."""

    names: frozenset[str]
    max_words: int

    @classmethod
    def load(cls, path: Path = GAZETTEER_PATH) -> GazetteerIndex:
        if not path.is_file():
            return cls(frozenset(), 0)
        entries = json.loads(path.read_text(encoding="utf-8"))["organisations"]
        printed = {s for e in entries for s in (e["canonical"], *e.get("aliases", []))}
        names = {_BRACKETED_ACRONYM.sub("", n) for n in printed} | set(organisation_acronyms(path))
        names |= {clean_organisation(n) for n in names}
        names |= {n[4:] for n in names if n.startswith("The ")}
        names |= {variant for n in names if n.endswith(" Limited") for variant in
                  (n[:-7] + "Ltd", n[:-7] + "Ltd.", n[:-8])}
        names = {n for n in names if len(n) > 1 and not _TWO_ORGS.search(n)}
        return cls(frozenset(names), max(len(n.split()) for n in names))

    def find(self, text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
        return [(start + s, start + e) for s, e in self._find_in(text[start:end])]

    # Candidates repeat across texts ("North of England Commissioning Support Unit"): each
    # distinct one is looked up once. The index is immutable, so the answer never changes.
    @lru_cache(maxsize=65536)  # noqa: B019 - one index per process, kept for its life anyway
    def _find_in(self, text: str) -> tuple[tuple[int, int], ...]:
        words = [(m.start(), m.start() + len(_TRAILING.sub("", m.group(0))))
                 for m in re.finditer(r"\S+", text)]
        found, i = [], 0
        while i < len(words):
            for j in range(min(len(words), i + self.max_words), i, -1):
                s, e = words[i][0], words[j - 1][1]
                if text[s:e] in self.names:
                    found.append((s, e))
                    i = j - 1
                    break
            i += 1
        return tuple(found)
