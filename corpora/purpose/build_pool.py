"""Draw the pool of purpose statements for double annotation (issue 14).

    python corpora/purpose/build_pool.py [RAW_DIR] [--seed 14]   # parts 1 and 2: 410 + 411 lines
    python corpora/purpose/build_pool.py --part 3 --seed 1403 --n 260 > corpora/purpose/double/part-3.jsonl

The second form draws a later part: statements of no earlier part (nor the hand or engineer
labels), over all publishers at once, **two thirds from statements with some independent
sign of a commercial purpose** (``commercial_sign``: the publisher typed the recipient as a
company, the recipient's name or the statement carries a legal form, or the register's own
commercial flag says yes) and one third from the rest, in turn from each publisher, so the rare class the first
parts lacked (26 commercial of 821) gets examples without every new statement being one. The
signs (also words of the market in the statement: pharmaceutical, client, product, sponsor...) are not the classifier's output: the draw does not chase the model's own errors.

Every register in ``RAW_DIR`` (default ``../shared/corpora-raw``) is read with drr's own
extract pipeline; each distinct statement is one candidate (drawn once over all publishers); statements
already in the hand or engineer labels are left out; then a fixed number per publisher is
drawn at random (``QUOTA``), so every publisher and organisation type is represented and no
one register dominates. The pool is what both annotators see: an id, the publisher, the
organisation and its type as printed, the title and the statement (cut to 1,500 characters).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from extract.limits import Limits  # noqa: E402
from workers.pipeline import extract_records  # noqa: E402

# publisher -> (files under RAW_DIR, how many statements to draw)
SOURCES: dict[str, tuple[tuple[str, ...], int]] = {
    "nhs-digital-2021": (("nhs-digital-release-register-2021-02/*.xlsx",), 260),
    "phe-odr-2014-2018": (("phe-data-release-register-2014-2018/*.csv",), 110),
    "phe-odr-2017-2020": (("phe-data-release-register-2017-2020/*.ods",), 130),
    "cprd": (("cprd-approved-studies/*.csv",), 150),
    "slam-cris": (("slam-cris-projects/*.csv",), 110),
    "alspac": (("alspac-proposals/*.csv",), 90),
    "nihr-bioresource": (("nihr-bioresource-studies/*.csv",), 35),
    "reformatted-pages": (("theysolditanyway/*.txt", "medconfidential-dataregister/*.txt",
                           "goodtreswork/*.txt"), 85),
}
TEXT_FIELDS = ("purpose", "title")
MAX_CHARS = 1500
_SPACE = re.compile(r"\s+")


def normal(text: str) -> str:
    return _SPACE.sub(" ", text or "").strip().lower()


def labelled_texts() -> set[str]:
    seen = set()
    for name in ("hand-labelled-2017.jsonl", "engineer-labels.jsonl"):
        for line in (ROOT / "corpora/purpose" / name).read_text().splitlines():
            row = json.loads(line)
            fields = row.get("fields") or row
            for key in ("purpose", "objective"):
                if fields.get(key):
                    seen.add(normal(str(fields[key]))[:300])
    return seen


def candidates(raw: Path, publisher: str, patterns: tuple[str, ...]) -> list[dict]:
    found: dict[str, dict] = {}
    for pattern in patterns:
        for path in sorted(raw.glob(pattern)):
            if path.name == "SOURCE.md":
                continue
            try:
                _, records = extract_records(path.read_bytes(), path.name, Limits())
            except Exception as exc:  # a source drr cannot read is reported, not fatal
                print(f"skip {path}: {exc}", file=sys.stderr)
                continue
            for record in records:
                fields = record["fields"]
                text = str(fields.get("purpose") or "").strip()
                if len(text) < 40 or normal(text).startswith("coming soon"):
                    continue
                key = normal(f"{fields.get('organisation')}|{text}")
                found.setdefault(key, {
                    "publisher": publisher,
                    "source": f"{path.parent.name}/{path.name}",
                    "reference": fields.get("reference"),
                    "organisation": fields.get("organisation"),
                    "organisation_type": fields.get("organisation_type"),
                    "title": fields.get("title"),
                    "statement": text[:MAX_CHARS],
                    "commercial": fields.get("commercial"),
                })
    return list(found.values())


_COMPANY_TYPE = re.compile(r"commercial|supplier|consultan|\bsme\b|company|pharma", re.IGNORECASE)
_LEGAL_FORM = re.compile(r"\b(?:ltd|limited|plc|llp|inc|gmbh|llc|b\.?v|s\.?a)\b\.?", re.IGNORECASE)
_MARKET_WORDS = re.compile(r"pharmaceutic|commercial|\bclients?\b|\bcustomers?\b|consultanc|"
                           r"market|\bproducts?\b|\bsponsor|for[- ]profit|\bsoftware\b|\bvendor",
                           re.IGNORECASE)


def commercial_sign(item: dict) -> bool:
    """Any sign, independent of the classifier, that a statement may be commercial."""
    return bool(_COMPANY_TYPE.search(str(item.get("organisation_type") or ""))
                or _LEGAL_FORM.search(str(item.get("organisation") or ""))
                or _LEGAL_FORM.search(item["statement"][:400])
                or _MARKET_WORDS.search(item["statement"])
                or str(item.get("commercial") or "").strip().lower().startswith("yes"))


def earlier_parts(part: int) -> set[str]:
    """Statements of the parts before ``part`` (not ``part`` itself: drawing it again gives
    the same file)."""
    texts = set()
    for path in sorted((ROOT / "corpora/purpose/double").glob("part-*.jsonl")):
        if int(path.stem.removeprefix("part-")) >= part:
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            texts.add(normal(json.loads(line)["statement"])[:300])
    return texts


def emit(item: dict) -> None:
    digest = hashlib.sha256(normal(item["statement"]).encode()).hexdigest()[:10]
    print(json.dumps({"id": f"dbl-{digest}", **item}, ensure_ascii=False))


def round_robin(items: list[dict], rng: random.Random, n: int) -> list[dict]:
    """``n`` items drawn in turn from each publisher's shuffled share, so no one register
    (ALSPAC has 1,800 proposals left) fills the random draw."""
    by_publisher: dict[str, list[dict]] = {}
    for item in items:
        by_publisher.setdefault(item["publisher"], []).append(item)
    for share in by_publisher.values():
        rng.shuffle(share)
    out: list[dict] = []
    while len(out) < n and any(by_publisher.values()):
        for publisher in sorted(by_publisher):
            if by_publisher[publisher] and len(out) < n:
                out.append(by_publisher[publisher].pop())
    return out


def later_part(raw: Path, rng: random.Random, n: int, part: int) -> int:
    seen = labelled_texts() | earlier_parts(part)
    pool: dict[str, dict] = {}
    for publisher, (patterns, _) in SOURCES.items():
        for c in candidates(raw, publisher, patterns):
            if normal(c["statement"])[:300] not in seen:
                pool.setdefault(normal(c["statement"]), c)
    items = sorted(pool.values(), key=lambda c: normal(c["statement"]))
    signed = [c for c in items if commercial_sign(c)]
    rest = [c for c in items if not commercial_sign(c)]
    rng.shuffle(signed)
    take = min(len(signed), (2 * n) // 3)
    drawn = signed[:take] + round_robin(rest, rng, n - take)
    rng.shuffle(drawn)
    print(f"{len(items)} candidates, {len(signed)} with a commercial sign; drawn "
          f"{take} signed + {len(drawn) - take} others", file=sys.stderr)
    for item in drawn:
        emit({k: v for k, v in item.items() if k != "commercial"})
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("raw", nargs="?", default=str(ROOT.parent / "shared/corpora-raw"))
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--part", type=int, default=None, help="draw a later part (3, 4, ...)")
    parser.add_argument("--n", type=int, default=260)
    args = parser.parse_args(argv)
    raw, rng, seen = Path(args.raw), random.Random(args.seed), labelled_texts()
    if args.part:
        return later_part(raw, rng, args.n, args.part)
    for publisher, (patterns, quota) in SOURCES.items():
        pool = [c for c in candidates(raw, publisher, patterns)
                if normal(c["statement"])[:300] not in seen]
        pool = list({normal(c["statement"]): c for c in pool}.values())  # one per statement
        rng.shuffle(pool)
        print(f"{publisher}: {len(pool)} candidates, {min(quota, len(pool))} drawn",
              file=sys.stderr)
        for item in pool[:quota]:
            seen.add(normal(item["statement"])[:300])  # drawn once across publishers
            emit({k: v for k, v in item.items() if k != "commercial"})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
