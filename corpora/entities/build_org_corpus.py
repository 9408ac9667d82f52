"""Build the organisation-mention corpus the ``ner`` component is trained and tested on.

    python corpora/entities/build_org_corpus.py [RAW_DIR]

Writes, from the purpose texts of the registers in ``../shared/corpora-raw``:

- ``org-train.jsonl``: silver training windows. A window is a candidate organisation
  (``nlp.organisations.organisation_candidates``) with a little context, exactly what the
  model sees at run time. Its ORG spans come from the gazetteer (every publisher-typed
  name and alias in ``organisations.json``, matched as printed) and from strong name
  shapes ("University of X", "X NHS Foundation Trust", "X Ltd"); everything else in the
  window is not an organisation. Sources: NHS Digital 2021 PurposeStatements, PHE
  2017-2020 and 2014-2018 registers, theysolditanyway.com pages.
- ``org-heldout-candidates.jsonl``: windows from texts the training never sees (the two
  seed dumps and ``../shared/labelled/purposes-2017-train.jsonl``), with the silver spans
  as a starting point. ``org-heldout.jsonl`` is this file after a person checked and
  corrected every window (see README.md); the script never overwrites it.
"""

from __future__ import annotations

import json
import random
import re
import sys
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent.parent)]

from raw_sources import RAW, nhsd_2021_sheet, phe_2014_rows, phe_2017_rows, tsia_pages

from nlp.entities import candidate_windows
from nlp.organisations import GAZETTEER_PATH, clean_organisation, organisation_acronyms

SHARED = RAW.parent
SEEDS = ("seeds/003_902676778b2a39ea.txt", "seeds/000_9ce4a5481bf26177.txt")
LABELLED = "labelled/purposes-2017-train.jsonl"
NHSD_TEXT = ("Objective for Processing", "Processing Activities", "Expected Output",
             "Expected Measurable Benefits", "Yielded Benefits")
PHE_TEXT = ("Technical summary", "Lay summary overview:", "Why is this project being conducted?",
            "How will the data be used?", "Funders and collaborators")
SEED = 20240601
MAX_TRAIN_WINDOWS = 12000

# Names shaped like an organisation's even when no publisher typed them. Runs of
# capitalised words only; "The CCG" or "NHS Trusts" (no proper name) are not matched.
_NOT_NAMES = ("The", "This", "These", "Our", "Each", "All", "Any", "Whilst", "While", "If", "Only",
              "Once", "Under", "When", "Where", "As", "For", "In", "At", "With", "By", "From",
              "A", "An", "Both", "Some", "Such", "Also", "Annual", "However", "Although", "Then",
              "There", "It", "Its", "Their", "We", "Within", "Via", "Using", "Between", "ALL")
# Words that end an organisation's name: a run of names never continues past one, so
# "Aylesbury Vale CCG and Chiltern CCG" is two organisations, not one.
_NAME_ENDS = ("CCG", "CCGs", "CSU", "ICB", "Ltd", "Limited", "PLC", "plc", "LLP", "Trust",
              "Council", "Society", "Association", "Committee", "Commission", "Unit")
_PROPER = (r"(?:(?!(?:" + "|".join(_NOT_NAMES + _NAME_ENDS) + r")\b)"
           r"[A-Z][\w-]*(?:['’](?!s\b)[\w]*)?)")
_JOIN = r"(?:[ \t]+(?:of|and|for|the|&)[ \t]+|[ \t]+)"
_RUN = rf"{_PROPER}(?:{_JOIN}{_PROPER})*"
_TIGHT_RUN = rf"{_PROPER}(?:[ \t]+(?:&[ \t]+)?{_PROPER})*"  # company names: no "and"/"for"
_NAME_SHAPES = re.compile("|".join((
    rf"\bUniversity of {_RUN}",
    rf"\b{_RUN}[ \t]+(?:University|College London)\b",
    rf"\b{_RUN}[ \t]+NHS[ \t]+(?:Foundation[ \t]+)?Trust\b",
    (rf"\b{_RUN}[ \t]+(?:CCG|Clinical Commissioning Group|ICB|CSU|Commissioning Support Unit|"
    r"Integrated Care Board|DSCRO)\b"),
    (rf"\b{_RUN}[ \t]+(?:Cancer Alliance|Network|Hospitals?|Foundation|Society|Institute|Biobank|"
    r"Registry|Association|Research Council|Committee|Commission|Trials Unit|Centre)\b"),
    rf"\b{_RUN}[ \t]+(?:Borough|County|City|District)[ \t]+Council\b",
    rf"\b{_TIGHT_RUN}[ \t]+(?:Ltd|Limited|PLC|plc|LLP|Inc)\b\.?",
    (rf"\b(?:Royal College|Institute|School|Department|Faculty|Association|Centre|Office) "
    rf"(?:of|for) (?:the )?{_RUN}"),
)))


_TWO_ORGS = re.compile(r"\b(?:Ltd|Limited|LLP|PLC|CCG|CSU|Trust|University|Council)\.? (?:and|&) ")


def gazetteer_names(path: Path = GAZETTEER_PATH) -> list[str]:
    entries = json.loads(path.read_text(encoding="utf-8"))["organisations"]
    names = {s for e in entries for s in (e["canonical"], *e.get("aliases", []))}
    # A name with its acronym in brackets is two mentions: "University College London (UCL)".
    names = {re.sub(r"\s*\([A-Z][A-Za-z&]{1,7}\)$", "", n) for n in names}
    names |= {clean_organisation(n) for n in names}
    names |= set(organisation_acronyms(path))
    # Register cells that name two recipients ("Kier Business Services Limited and Dr Foster
    # Limited") are not one organisation's name.
    names = {n for n in names if not _TWO_ORGS.search(n)}
    # Longest first so "University College London Hospitals" beats "University College London".
    return sorted((n for n in names if len(n) >= 2), key=lambda n: (-len(n), n))


def name_pattern(names: list[str]) -> re.Pattern[str]:
    escaped = (re.escape(n) for n in names)
    return re.compile(r"(?<![\w’'])(?:" + "|".join(escaped) + r")(?![\w’'])")


def silver_spans(text: str, names: re.Pattern[str]) -> list[tuple[int, int]]:
    found = [(m.start(), m.end()) for m in names.finditer(text)]
    found += [(m.start(), m.end()) for m in _NAME_SHAPES.finditer(text)]
    kept: list[tuple[int, int]] = []
    for start, end in sorted(found, key=lambda s: (s[0], -(s[1] - s[0]))):
        if not kept or start >= kept[-1][1]:
            kept.append((start, end))
    return kept


def training_texts(raw: Path) -> Iterator[tuple[str, str]]:
    for row in nhsd_2021_sheet(raw, "PurposeStatements"):
        for column in NHSD_TEXT:
            yield f"nhsd-2021/{row['Reference Number']}/{column}", row.get(column, "")
    for row in phe_2017_rows(raw):
        for column in PHE_TEXT:
            yield f"phe-2017/{row['ODR reference']}/{column}", row.get(column, "")
    for name, row in phe_2014_rows(raw):
        yield f"phe-2014/{name}/{row.get('Row ID', '')}", row.get("Purpose", "")
    for name, text in tsia_pages(raw):
        yield f"theysolditanyway/{name}", "\n".join(text.splitlines()[2:])


def heldout_texts(shared: Path) -> Iterator[tuple[str, str]]:
    for seed in SEEDS:
        paragraphs = re.split(r"\n\s*\n", (shared / seed).read_text(encoding="utf-8"))
        for i, paragraph in enumerate(paragraphs):
            yield f"{seed}#p{i}", re.sub(r"\s*\n\s*", " ", paragraph).strip()
    for line in (shared / LABELLED).read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        for column in ("objective", "activities", "outputs", "benefits"):
            yield f"{LABELLED}/{row['id']}/{column}", row.get(column) or ""


def windows(texts: Iterator[tuple[str, str]], names: re.Pattern[str]) -> list[dict[str, object]]:
    acronyms = organisation_acronyms()
    seen: set[str] = set()
    out = []
    for source, text in texts:
        for window in candidate_windows(text, acronyms):
            if window.text in seen:
                continue
            seen.add(window.text)
            spans = [list(s) for s in silver_spans(window.text, names)]
            out.append({"text": window.text, "candidate": list(window.candidate), "orgs": spans,
                        "source": source})
    return out


def write_jsonl(path: Path, rows: list[dict[str, object]]) -> None:
    lines = (json.dumps(r, ensure_ascii=False) for r in rows)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(raw: Path = RAW) -> None:
    names = name_pattern(gazetteer_names())
    train = windows(training_texts(raw), names)
    random.Random(SEED).shuffle(train)
    train = train[:MAX_TRAIN_WINDOWS]
    heldout = windows(heldout_texts(raw.parent), names)
    write_jsonl(HERE / "org-train.jsonl", train)
    write_jsonl(HERE / "org-heldout-candidates.jsonl", heldout)
    positives = sum(bool(r["orgs"]) for r in train)
    print(f"train: {len(train)} windows ({positives} with an ORG); held-out candidates: "
          f"{len(heldout)}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else RAW)
