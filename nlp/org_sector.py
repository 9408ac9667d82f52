"""The sector of an organisation, from everything a record gives, with a calibrated confidence.

Evidence, in the order it is trusted:

1. the publisher's own organisation type (``PUBLISHER_TYPES``);
2. the registry (``corpora/organisations/registry.json``): the sector of the entry the
   name resolves to (a publisher's type, the ODS or ONS list it came from, or a person);
3. the name: its words and legal form (named rules below; the first that matches wins);
4. the purpose text: what the record says the recipient is ("X Ltd is a consultancy",
   "the CCG", "on behalf of the council", the recipient's own name printed with a legal
   form) when the name alone said nothing;
5. the weak name words ("Group", "Institute", "Trust"), then what kind of study the purpose
   text describes: an industry study ("real-world", "treatment patterns", "burden",
   "post-authorisation safety study") for a name nothing else places;
6. nothing: the commonest label of the training organisations nothing placed
   (``fallback`` in the calibration file), always ``needs_review``.

Each decision carries the ``source`` (which of those, and which rule) and a
``confidence``: the share of training organisations that source labelled right
(``corpora/organisations/sector-calibration.json``, written by ``drr evaluate
organisations`` from the training split only, Laplace-smoothed). A decision whose
confidence is under ``REVIEW_BELOW`` is ``needs_review``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from nlp.org_registry import Registry, load_registry
from nlp.organisations import CORPORA, clean_organisation, sector_from_publisher_type
from nlp.record import Sector

CALIBRATION_PATH = CORPORA / "organisations" / "sector-calibration.json"
NAME_WORDS_PATH = CORPORA / "organisations" / "name-words.json"
REVIEW_BELOW = 0.9  # a sector decided by evidence right less often than this is flagged

# Name rules: (rule name, sector, words). The first match wins, so the specific come first:
# "University Hospitals ... NHS Trust" is a provider, "Royal College of Physicians" a
# professional body, "Genomics England Limited" a company by its form.
_RULES: tuple[tuple[str, Sector, tuple[str, ...]], ...] = (
    ("commissioner", "nhs_commissioner", (
        "CCGs?", "CSUs?", "ICBs?", "Clinical Commissioning Groups?", "Commissioning Support",
        "Integrated Care (Board|System)", "Primary Care Trust", "PCTs?", "Area Team",
        "Commissioning (Hub|Unit|Board)", "DSCRO", "Strategic Health Authority",
        "Specialised Commissioning", "Teaching L?HB", "Local Health Board",
    )),
    ("university medical centre", "academic", ("Universit\\w* Medical Cent(re|er)",)),
    # A Medical Research Council unit or centre sits in a university ("MRC Integrative
    # Epidemiology Unit at the University of Bristol").
    ("mrc unit", "academic", ("MRC\\b.*\\b(Unit|Cent(re|er))", "Medical Research Council\\b.*\\bUnit")),
    ("cancer alliance", "other", ("Cancer Alliance",)),
    # bodies of the nations together, no one state's: "WHO - Head Quarters Geneva"
    ("international body", "other", (
        "World Health Organi[sz]ation", "(?-i:WHO)", "United Nations", "(?-i:UNICEF|OECD)", "World Bank",
        "International Agency for")),
    ("provider", "nhs_provider", (
        "NHS (Foundation )?Trust", "Foundation Trust", "NHS ?FT", "Hospitals?", "Ambulance",
        "Health Board", "Healthcare NHS", "Acute Trusts?", "Medical Centre", "Health Centre",
        "Surgery", "Hospice", "Mental Health Trust", "Community Health",
    )),
    ("research council", "central_government", ("Research Council", "UK Research and Innovation")),
    ("council", "local_authority", (
        "Council", "Borough", "Combined Authority", "Greater London Authority",
        "City of London Corporation", "Local Authority",
    )),
    ("royal college", "charity_or_research_body", ("Royal College of", "Royal Society")),
    ("university", "academic", (
        # a university in any language: Universiteit, Universität, Università, Universidade ...
        "Universit(y|ies|at|ät|é|e|eit|et|à|a|aire|air|ari[oa]?)", "Universidad(e)?", "Uniwersytet",
        "Univ\\.?", "Hochschule", "Politecnico", "Facult(y|ad|é) of", "Faculdade", "Fakultät",
        "College", "School of", "Medical School", "Polytechnic",
        "Institute of (Technology|Education)", "Karolinska", "Academ(y|ic)",
    )),
    ("legal form", "commercial", (
        "Ltd", "Limited", "PLC", "LLP", "LLC", "Inc", "GmbH", "Corp(oration)?", "S\\.?A", "B\\.?V",
        "AG", "Pty", "SAS", "Community Interest Company",
    )),
    ("known firm", "commercial", (
        "Deloitte", "KPMG", "PwC", "Accenture", "McKinsey", "Experian", "Capita", "IQVIA",
        "IMS Health", "Optum", "Cerner", "Quintiles",
    )),
    ("government", "central_government", (
        "Department (of|for)", "Ministry", "Agency", "Office (of|for)", "Commission", "Executive",
        "Public Health (England|Wales|Scotland|Agency)",
        "NHS (Digital|England|Improvement|Blood and Transplant|Business Services)",
        "Business Services Authority", "Health Research Authority", "Information Centre",
        "Government", "Cabinet Office", "HM", "HMRC", "Directorate", "National Audit",
        "Health Protection", "Parliament", "Care Quality", "Regulator",
        "Special Health Authority", "Informatics Service", "Monitor",
        # a state's own bodies in other countries: the US federal "Administration"s and
        # "National Institutes of", the Nordic "Statens", public health institutes
        "Administration", "National Institutes? of", "Statens", "Institute of Public Health",
    )),
    ("company words", "commercial", (
        "Consult(ing|ancy|ants)", "Analytics", "Solutions", "Associates", "Partners",
        "Technologies", "Pharma(ceuticals?)?", "Insurance", "Reinsurance", "Informatics",
        "Software", "Media", "Delivery", "Intelligence", "Biostatistics", "Healthcare$",
        "Systems", "Evidence", "Group", "company",
    )),
    ("research body", "charity_or_research_body", (
        "Trust", "Fund", "Institute", "Foundation", "Biobank", "Charit(y|able)", "Society",
        "Research", "Registry", "Association", "Partnership", "Alliance", "Network",
        "Cancer Support", "Collaboration", "Centre for",
    )),
)
_COMPILED = tuple((name, sector, re.compile(r"\b(" + "|".join(words) + r")\b", re.IGNORECASE))
                  for name, sector, words in _RULES)
# Legal forms are matched case-sensitively: "Inc" in a name, not "inc" in "Incorporated X".
# In any spelling a register prints: "Ltd.", "Pte Ltd", "S.p.A.", "A/S", "Inc."; the short
# ones that are also words or initials ("AB", "SE", "NV", "Incorporated Society of X")
# only at the name's end.
_LEGAL_FORM = re.compile(
    r"\b(Ltd|LTD|Limited|LIMITED|PLC|plc|Plc|LLP|LLC|PLLC|Inc|INC|GmbH|Corp|"
    r"Corporation|S\.A\.?|B\.V\.?|N\.V\.|AG|Pty|Pte|SAS|SARL|S\.?p\.?A\.?|S\.?r\.?l\.?|Ltda|"
    r"K\.K\.|Sdn Bhd|Bhd|ApS|A/S|Oyj?|Community Interest Company|CIC)(?!\w)\.?"
    r"|\b(Incorporated|AB|SE|NV|KG|LP|Co\.?|(and|&) (Co\.?|Company))\s*(?=$|[,(])")

# What a purpose text says its recipient is, for names the rules cannot place.
_TEXT_CUES: tuple[tuple[str, Sector, re.Pattern[str]], ...] = (
    ("text: company", "commercial", re.compile(
        r"\b(is an? (\w+ ){0,3}(company|consultancy|business|firm|provider of|legal entity|"
        r"data intermediary|private provider)|(one|two|several) of the legal entities|commercial "
        r"(organisation|company|consultancy)|private (company|sector)|our clients|customers|"
        r"marketing authori[sz]ation holder)\b",
        re.IGNORECASE)),
    ("text: university", "academic", re.compile(
        r"\b(university|academic (institution|research)|PhD|doctoral|students?)\b", re.IGNORECASE)),
    ("text: commissioner", "nhs_commissioner", re.compile(
        r"\b(the CCG|(this|the) clinical commissioning group|we commission)\b", re.IGNORECASE)),
    ("text: council", "local_authority", re.compile(
        r"\b(the (local )?(council|authority)|public health (team|function) of the)\b",
        re.IGNORECASE)),
    ("text: charity", "charity_or_research_body", re.compile(
        r"\b(is a (registered )?charity|charitable)\b", re.IGNORECASE)),
)

# What kind of study the text describes, for a name nothing else places: the questions a
# medicine's maker asks of a database (CPRD protocols' titles: "Treatment patterns and
# burden of ...", "Real-world use of ...", "Post Authorisation Safety Study ...").
_INDUSTRY_STUDY = re.compile(
    r"\b(real[- ]world|treatment patterns?|resource (use|utili[sz]ation)|healthcare utili[sz]ation|"
    r"post[- ]authori[sz]ation|PASS|burden|off[- ]label|product characteristics|"
    r"drug utili[sz]ation|post[- ]marketing)\b", re.IGNORECASE)

# Used when no calibration file was written yet: every source is unsure.
_DEFAULT_CONFIDENCE = 0.5


@dataclass(frozen=True)
class SectorGuess:
    """A sector, where it came from, how often that source is right, and whether a person
    should look."""

    sector: Sector
    source: str
    confidence: float

    @property
    def needs_review(self) -> bool:
        return self.confidence < REVIEW_BELOW


def has_legal_form(name: str) -> bool:
    """"X Ltd", "X Limited", "X PLC": a company by its own name."""
    return bool(_LEGAL_FORM.search(name))


# Rules whose words are common outside their sector ("Group", "Trust", "Institute"): the
# purpose text, when it says what the recipient is, is asked before them.
_WEAK_RULES = frozenset(("company words", "research body"))


def sector_by_name(name: str, weak: bool = False) -> tuple[str, Sector] | None:
    """(rule name, sector) of the first strong name rule that matches (with ``weak``, of
    the weak rules), or None."""
    cleaned = clean_organisation(name)
    for rule, sector, pattern in _COMPILED:
        if (rule in _WEAK_RULES) != weak:
            continue
        if rule == "legal form":
            if has_legal_form(name) or has_legal_form(cleaned):
                return rule, sector
            continue
        if pattern.search(cleaned):
            if rule == "provider" and hospital_abroad(cleaned):
                return "hospital abroad", "other"
            return rule, sector
    return None


def fold_word(word: str) -> str:
    return re.sub(r"['’]", "", word.lower())


@lru_cache(maxsize=2)
def _name_words(path: Path = NAME_WORDS_PATH) -> tuple[frozenset[str], frozenset[str]]:
    """(UK words, common words and their six-letter stems) of ``name-words.json``; empty
    before it was built."""
    if not path.is_file():
        return frozenset(), frozenset()
    data = json.loads(path.read_text(encoding="utf-8"))
    return frozenset(data["uk"]), frozenset(data["common"]) | {w[:6] for w in data["common"] if len(w) > 6}


# Words of any hospital's name, UK or not: not evidence of where it is.
_HOSPITAL_WORDS = frozenset((
    "hospital", "hospitals", "clinic", "medical", "centre", "center", "university", "general",
    "childrens", "womens", "royal", "saint", "the", "and", "for", "of"))


def hospital_abroad(name: str) -> bool:
    """A hospital's name that is no NHS body's and none of whose own words a UK list or an
    English word explains: "Rhode Island Hospital", "Children's Hospital of Philadelphia".
    "Musgrove Park Hospital" (an NHS trust's address), "National Hospital for Neurology"
    (English words) stay at home."""
    if (not re.search(r"\b(Hospitals?|Medical Cent(re|er)|Clinic)\b", name, re.IGNORECASE)
            or re.search(r"\b(NHS\w*|Trusts?|Health Board)\b", name, re.IGNORECASE)):
        return False
    uk, common = _name_words()
    if not uk:
        return False
    own = [fold_word(w) for w in re.findall(r"[A-Za-z][A-Za-z'’]+", name)]
    own = [w for w in own if len(w) >= 3 and w not in _HOSPITAL_WORDS]
    # "neurosurgery" is English when "neuroscience" is: a word's first six letters will do
    return bool(own) and any(w not in uk and w.removesuffix("s") not in uk and w not in common
                             and w[:6] not in common for w in own)


# Words a name's head is not: "The X Ltd" is named by X.
_NOT_HEAD = frozenset(("the", "a", "an", "of", "and", "for", "in", "at", "on", "dr", "mr", "uk"))


def _name_head(name: str) -> str | None:
    """The first word of the name that names it (three letters or more, not "The")."""
    for word in re.findall(r"[^\W\d_][\w'’-]*", clean_organisation(name)):
        if len(word) >= 3 and word.lower() not in _NOT_HEAD:
            return word
    return None


def names_itself_a_company(name: str, text: str) -> bool:
    """The purpose text prints the recipient's own name with a legal form: "Evidera Ltd is
    requesting", "Health iQ Limited (Health iQ) is a provider of" - the register's cell
    left the form out, the applicant's own text did not."""
    head = _name_head(name)
    if not head or not text:
        return False
    # Between the head and the form only more of a name (the name's own words, capitalised
    # words, "&"): not "Macmillan works with Deloitte MSC Limited".
    own = {w.lower() for w in re.findall(r"[\w'’]+", name)}
    for found in re.finditer(r"\b(?i:" + re.escape(head) + r")\b", text):
        for word in re.findall(r"[\w'’.&-]+", text[found.end():found.end() + 80])[:5]:
            if _FORM_WORD.fullmatch(word.rstrip(".,")):
                return True
            if not (word.lower().strip(".,") in own or word[:1].isupper() or word == "&"):
                break
    return False


_FORM_WORD = re.compile(r"Ltd|LTD|Limited|LIMITED|PLC|plc|LLP|LLC|Inc|GmbH|Pte")


def sector_by_text(text: str, name: str = "") -> tuple[str, Sector] | None:
    if name and names_itself_a_company(name, text):
        return "text: name with legal form", "commercial"
    for rule, sector, pattern in _TEXT_CUES:
        if pattern.search(text):
            return rule, sector
    return None


def decide(name: str, publisher_type: str | None = None, purpose: str | None = None,
           registry: Registry | None = None) -> tuple[Sector, str]:
    """(sector, source) from the evidence, without confidence: what calibration measures."""
    return _by_name(name, publisher_type, registry) or _by_text(name, purpose)


def _by_name(name: str, publisher_type: str | None,
             registry: Registry | None) -> tuple[Sector, str] | None:
    """What the publisher's type, the registry or a strong name rule says; None: nothing."""
    from_type = sector_from_publisher_type(publisher_type)
    if from_type is not None:
        return from_type, "publisher type"
    entry_id = (registry if registry is not None else load_registry()).resolve(name)
    if entry_id is not None:
        entry = (registry if registry is not None else load_registry()).entries[entry_id]
        return entry["sector"], f"registry ({entry.get('sector_from', 'listed')})"
    found = sector_by_name(name)
    return (found[1], "name: " + found[0]) if found else None


def _by_text(name: str, purpose: str | None) -> tuple[Sector, str]:
    """What the purpose text says the recipient is, then the weak name rules."""
    for found, prefix in ((sector_by_text(purpose or "", name), ""),
                          (sector_by_name(name, weak=True), "name: ")):
        if found is not None:
            return found[1], prefix + found[0]
    if purpose and _INDUSTRY_STUDY.search(purpose):
        return "commercial", "text: industry study"
    return fallback_sector(), "nothing known"


@lru_cache(maxsize=2)
def fallback_sector(path: Path = CALIBRATION_PATH) -> Sector:
    """The sector for a name nothing places: the commonest label of the training
    organisations nothing placed (``sector-calibration.json``, "fallback"); "other" before
    any calibration was written. Its confidence stays low, so it is ``needs_review``."""
    if not path.is_file():
        return "other"
    return json.loads(path.read_text(encoding="utf-8")).get("fallback", {}).get("sector", "other")


@lru_cache(maxsize=65536)  # a recipient recurs on every row; its purpose text rarely does
def _by_name_cached(name: str, publisher_type: str | None) -> tuple[Sector, str] | None:
    return _by_name(name, publisher_type, None)


@lru_cache(maxsize=2)
def load_calibration(path: Path = CALIBRATION_PATH) -> dict[str, float]:
    """source -> share of training organisations it labelled right."""
    if not path.is_file():
        return {}
    table = json.loads(path.read_text(encoding="utf-8"))["sources"]
    return {source: float(row["confidence"]) for source, row in table.items()}


def confidence_of(source: str, calibration: dict[str, float] | None = None) -> float:
    table = load_calibration() if calibration is None else calibration
    if source.startswith("registry"):
        return table.get(source, table.get("registry", 0.97))
    return table.get(source, _DEFAULT_CONFIDENCE)


def classify(name: str, publisher_type: str | None = None, purpose: str | None = None) -> SectorGuess:
    """The recipient's sector against the committed registry, with its calibrated confidence."""
    sector, source = _by_name_cached(name, publisher_type) or _by_text(name, purpose)
    return SectorGuess(sector, source, confidence_of(source))
