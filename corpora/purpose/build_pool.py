"""Draw the pool of purpose statements for double annotation (issue 14).

    python corpora/purpose/build_pool.py [RAW_DIR] [--seed 14] > corpora/purpose/double/pool.jsonl

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
                })
    return list(found.values())


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("raw", nargs="?", default=str(ROOT.parent / "shared/corpora-raw"))
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args(argv)
    raw, rng, seen = Path(args.raw), random.Random(args.seed), labelled_texts()
    for publisher, (patterns, quota) in SOURCES.items():
        pool = [c for c in candidates(raw, publisher, patterns)
                if normal(c["statement"])[:300] not in seen]
        pool = list({normal(c["statement"]): c for c in pool}.values())  # one per statement
        rng.shuffle(pool)
        print(f"{publisher}: {len(pool)} candidates, {min(quota, len(pool))} drawn",
              file=sys.stderr)
        for item in pool[:quota]:
            seen.add(normal(item["statement"])[:300])  # drawn once across publishers
            digest = hashlib.sha256(normal(item["statement"]).encode()).hexdigest()[:10]
            print(json.dumps({"id": f"dbl-{digest}", **item}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
