"""Words that tell a UK body's name from a foreign one: ``name-words.json``.

    python corpora/organisations/build_name_words.py

``uk``: every word of the ODS lists' names and addresses (NHS trusts, CCGs and sub-ICB
locations: name, address lines, town, county) and of the ONS local authority district and
ICB names, in ``../shared/corpora-raw/ods-reference/`` (Open Government Licence v3.0).
``common``: every word printed in lower case at least once in the registers' own text
(``../shared/corpora-raw/*/*.csv`` and ``*.txt``, the ODS lists left out): English words
("neurology", "island"), never a place's or a person's name, which a register capitalises.
A hospital's name none of whose distinctive words is in either list ("Rhode Island
Hospital", "... Hospital of Philadelphia") is taken for a hospital abroad
(``nlp.org_sector``). Words are folded: lower case, apostrophes dropped.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path[:0] = [str(ROOT)]

from nlp.org_sector import NAME_WORDS_PATH, fold_word

RAW = Path("/work/shared/corpora-raw")
ODS = RAW / "ods-reference"
_WORD = re.compile(r"[A-Za-z][A-Za-z'’]+")


def uk_words(ods: Path = ODS) -> set[str]:
    words: set[str] = set()
    for name, cells in (("etr.csv", slice(1, 10)), ("etr-2022.csv", slice(1, 10)), ("eccg.csv", slice(1, 10)),
                        ("local_authority_districts_2023.csv", slice(None)),
                        ("icb_names_codes_dec_2024.csv", slice(None))):
        with (ods / name).open(encoding="utf-8", errors="replace", newline="") as handle:
            for row in csv.reader(handle):
                words |= {fold_word(w) for cell in row[cells] for w in _WORD.findall(cell)}
    return words


def common_words(raw: Path = RAW) -> set[str]:
    words: set[str] = set()
    for path in sorted([*raw.glob("*/*.csv"), *raw.glob("*/*.txt")]):
        if path.parent.name == ODS.name:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        words |= {fold_word(w) for w in re.findall(r"(?<![A-Za-z'’])[a-z][a-z'’]+", text)}
    return words


def main() -> None:
    uk, common = uk_words(), common_words()
    NAME_WORDS_PATH.write_text(json.dumps({
        "about": "build_name_words.py: uk = words of the ODS/ONS names and addresses; common = "
                 "words the registers print in lower case",
        "uk": sorted(uk), "common": sorted(common - uk)}, indent=0) + "\n", encoding="utf-8")
    print(f"{len(uk)} UK words, {len(common - uk)} common words -> {NAME_WORDS_PATH}")


if __name__ == "__main__":
    main()
