"""Build ``extract/pdf/words.txt``: the words the register spreadsheets in ../shared print.

    python corpora/tools/build_pdf_words.py [--raw ../shared/corpora-raw]

The PDF reader rejoins a header word a narrow column cut mid-word ("confidentialit" /
"y") when the joined form is a word and a part is not (``extract.pdf.words``). Its
vocabulary comes from here: every cell of the release registers in ../shared (NHS Digital's
February 2021 workbook, every sheet; PHE's 2014-2018 CSVs and 2017-2020 ODS) and every
header synonym of the layout profiles (extract/profiles/*.json). Words are runs of letters,
lower-cased; a word seen once is dropped (a typo is no word). Never the corpora's golden
files: a vocabulary learnt from the answers would grade itself.

Output: one ``word<TAB>count`` line per word, most frequent first, after a provenance
comment. Deterministic for the same inputs.
"""

from __future__ import annotations

import argparse
import csv
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "extract" / "pdf" / "words.txt"
SOURCES = (
    "nhs-digital-release-register-2021-02/1. releaseregister_20210201_20210228.xlsx",
    "phe-data-release-register-2014-2018/PHE.csv",
    "phe-data-release-register-2014-2018/PHE14-15.csv",
    "phe-data-release-register-2014-2018/PHE15-16.csv",
    "phe-data-release-register-2014-2018/PHE16-17.csv",
    "phe-data-release-register-2014-2018/PHE17-18.csv",
    "phe-data-release-register-2017-2020/13. PHE_Data_Release_Register_April_17_to_September2020_2.4 (1).ods",
)
WORD = re.compile(r"[A-Za-z]+")
MIN_COUNT = 2


def cells(path: Path) -> Iterator[str]:
    if path.suffix == ".csv":
        with open(path, encoding="utf-8", errors="replace", newline="") as f:
            for row in csv.reader(f):
                yield from row
    elif path.suffix == ".xlsx":
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True)
        for sheet in book.worksheets:
            for row in sheet.iter_rows(values_only=True):
                yield from (str(v) for v in row if isinstance(v, str))
    elif path.suffix == ".ods":
        import pandas

        for frame in pandas.read_excel(path, engine="odf", sheet_name=None, header=None).values():
            for value in frame.to_numpy().ravel():
                if isinstance(value, str):
                    yield value


def profile_headers() -> Iterator[str]:
    for path in sorted((ROOT / "extract" / "profiles").glob("*.json")):
        yield from re.findall(r'"([^"]*)"', path.read_text(encoding="utf-8"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, default=ROOT.parent / "shared" / "corpora-raw")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    counts: Counter[str] = Counter()
    for source in SOURCES:
        for text in cells(args.raw / source):
            counts.update(w.lower() for w in WORD.findall(text))
    for text in profile_headers():
        counts.update(w.lower() for w in WORD.findall(text))
    kept = sorted(
        ((w, n) for w, n in counts.items() if n >= MIN_COUNT), key=lambda x: (-x[1], x[0])
    )
    lines = [
        "# Words of the register spreadsheets in ../shared/corpora-raw and the layout profiles'",
        "# headers, built by corpora/tools/build_pdf_words.py (word<TAB>count, seen twice or more).",
        *(f"# source: {s}" for s in SOURCES),
        "# source: extract/profiles/*.json",
        *(f"{w}\t{n}" for w, n in kept),
    ]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(kept)} words written to {args.out}")


if __name__ == "__main__":
    main()
