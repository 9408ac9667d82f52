"""Agreement of the double annotation, and the adjudicated label set (issue 14).

    python corpora/purpose/build_double_labels.py              # writes both files below
    python corpora/purpose/build_double_labels.py --check      # agreement only, writes nothing
    python corpora/purpose/build_double_labels.py --out DIR    # writes into DIR instead
    python corpora/purpose/build_double_labels.py --parts 1 2  # only those parts

Reads every part ``double/part-N.jsonl`` (what both annotators saw; the pool is their union,
in part order), ``double/annotator-{a,b}-part-N.jsonl`` (their independent labels) and
``double/adjudication.jsonl`` (one decision, with its reason, per disagreement), and writes

- ``double/agreement.json``: Cohen's kappa before adjudication, per part, per publisher and
  overall, every statement kept (``uncertain`` ones too), and on the statements neither
  annotator marked uncertain, as a second figure;
- ``double-labels.jsonl``: one line per statement with its provenance: publisher, source file,
  reference, organisation, both annotations, the adjudication (or null when they agreed), the
  final label, ``secondary``, ``uncertain`` and ``fields`` (the row as the classifier reads it).

A disagreement without an adjudication, or an adjudication of a statement the annotators agreed
on, is an error: the label set is only written when every disagreement has a written reason.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from sklearn.metrics import cohen_kappa_score

HERE = Path(__file__).resolve().parent
DOUBLE = HERE / "double"
LABELS = ("commercial", "research", "commissioning")
PART_FILE = re.compile(r"part-(\d+)\.jsonl")
ANNOTATORS = ("a", "b")
GUIDELINE = "docs/purpose-guideline.md v3"


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def by_id(rows: list[dict[str, Any]], path: Path) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row["id"] in out:
            raise SystemExit(f"{path}: {row['id']} labelled twice")
        if row["label"] not in LABELS:
            raise SystemExit(f"{path}: {row['id']} has label {row['label']!r}")
        out[row["id"]] = row
    return out


def part_numbers() -> list[int]:
    """The parts drawn and annotated so far, in order: each ``double/part-N.jsonl`` with both
    annotators' files beside it (a part still being drawn or annotated in a clean checkout
    has none; one whose files are incomplete is refused below, not skipped)."""
    found = (PART_FILE.fullmatch(path.name) for path in DOUBLE.glob("part-*.jsonl"))
    numbers = sorted(int(match.group(1)) for match in found if match)
    annotated = [n for n in numbers if all((DOUBLE / f"annotator-{who}-part-{n}.jsonl").is_file()
                                           for who in ANNOTATORS)]
    if annotated != numbers:
        print(f"parts without both annotations, left out: {sorted(set(numbers) - set(annotated))}",
              file=sys.stderr)
    return annotated


def annotations(annotator: str, part: str) -> dict[str, dict[str, Any]]:
    path = DOUBLE / f"annotator-{annotator}-{part}.jsonl"
    return by_id(read_jsonl(path), path)


def kappa(first: list[str], second: list[str]) -> float | None:
    """Cohen's kappa; None when it is undefined (both annotators used one label only)."""
    if not first or len(set(first) | set(second)) < 2:
        return None
    return round(float(cohen_kappa_score(first, second, labels=list(LABELS))), 4)


def agreement_row(ids: list[str], a: dict[str, dict], b: dict[str, dict]) -> dict[str, Any]:
    first = [a[i]["label"] for i in ids]
    second = [b[i]["label"] for i in ids]
    sure = [i for i in ids if not a[i].get("uncertain") and not b[i].get("uncertain")]
    agreed = sum(x == y for x, y in zip(first, second))
    return {
        "n": len(ids), "agreed": agreed,
        "observed_agreement": round(agreed / len(ids), 4) if ids else None,
        "kappa": kappa(first, second),
        "n_neither_uncertain": len(sure),
        "kappa_neither_uncertain": kappa([a[i]["label"] for i in sure],
                                         [b[i]["label"] for i in sure]),
        "labels_a": dict(Counter(first)), "labels_b": dict(Counter(second)),
    }


def agreement(pool: dict[str, dict], parts: dict[str, list[str]], a: dict[str, dict],
              b: dict[str, dict]) -> dict[str, Any]:
    everything = [i for ids in parts.values() for i in ids]
    publishers = sorted({pool[i]["publisher"] for i in everything})
    return {
        "note": "Cohen's kappa before adjudication; all statements kept, uncertain ones too "
                "(kappa_neither_uncertain drops those either annotator marked uncertain). "
                "Both annotators are instances of one language model labelling apart, so "
                "this is an upper bound on what two people would reach.",
        "overall": agreement_row(everything, a, b),
        "per_part": {part: agreement_row(ids, a, b) for part, ids in parts.items()},
        "per_publisher": {p: agreement_row([i for i in everything if pool[i]["publisher"] == p],
                                           a, b) for p in publishers},
        "uncertain": {"a": sum(bool(a[i].get("uncertain")) for i in everything),
                      "b": sum(bool(b[i].get("uncertain")) for i in everything)},
    }


def annotation(row: dict[str, Any]) -> dict[str, Any]:
    return {key: row.get(key) for key in ("label", "secondary", "uncertain", "rationale")}


def final_row(item: dict[str, Any], a: dict[str, Any], b: dict[str, Any],
              decision: dict[str, Any] | None) -> dict[str, Any]:
    """The statement with both annotations, the adjudication and what follows from them."""
    if decision is not None:
        label, secondary = decision["label"], decision.get("secondary")
        uncertain = bool(decision.get("uncertain", True))
    else:
        label = a["label"]
        # An agreed secondary is kept; one annotator's secondary alone is kept too (it is
        # a label that also fits, by that annotator's reading).
        secondary = a.get("secondary") or b.get("secondary")
        uncertain = bool(a.get("uncertain") or b.get("uncertain"))
    fields = {"organisation": item["organisation"], "organisation_type": item["organisation_type"],
              "title": item["title"], "purpose": item["statement"],
              "reference": item["reference"]}
    return {
        "id": item["id"], "label": label, "secondary": secondary if secondary != label else None,
        "uncertain": uncertain, "publisher": item["publisher"], "source": item["source"],
        "reference": item["reference"], "organisation": item["organisation"],
        "annotations": {"a": annotation(a), "b": annotation(b)},
        "adjudication": decision,
        "fields": {k: v for k, v in fields.items() if v is not None},
    }


def build(check_only: bool, out_dir: Path | None = None,
          numbers: list[int] | None = None) -> int:
    names = [f"part-{n}" for n in (numbers or part_numbers())]
    pool: dict[str, dict] = {}
    parts: dict[str, list[str]] = {}
    for part in names:
        rows = read_jsonl(DOUBLE / f"{part}.jsonl")
        for row in rows:
            if row["id"] in pool:
                raise SystemExit(f"{part}.jsonl: {row['id']} is in an earlier part too")
            pool[row["id"]] = row
        parts[part] = [row["id"] for row in rows]
    a = {k: v for part in names for k, v in annotations("a", part).items()}
    b = {k: v for part in names for k, v in annotations("b", part).items()}
    stray = sorted((set(a) | set(b)) - set(pool))
    if stray:
        raise SystemExit(f"labels of statements in no part: {stray[:5]}")
    missing = {name: [i for i in pool if i not in labels] for name, labels in (("a", a), ("b", b))}
    if any(missing.values()) and not check_only:
        raise SystemExit("not every statement is labelled twice: " + ", ".join(
            f"annotator {name} lacks {len(ids)}" for name, ids in missing.items() if ids))
    labelled = {part: [i for i in ids if i in a and i in b] for part, ids in parts.items()}
    report = agreement(pool, labelled, a, b)
    print(json.dumps({"overall": report["overall"], "per_part": {
        p: {k: r[k] for k in ("n", "observed_agreement", "kappa")}
        for p, r in report["per_part"].items()}}, indent=1))
    if check_only:
        return 0
    adjudication_path = DOUBLE / "adjudication.jsonl"
    decisions = by_id(read_jsonl(adjudication_path), adjudication_path) \
        if adjudication_path.is_file() else {}
    if numbers:  # decisions of the parts --parts leaves out are not this build's to check
        decisions = {i: d for i, d in decisions.items() if i in pool}
    disagreements = {i for i in pool if a[i]["label"] != b[i]["label"]}
    if set(decisions) != disagreements:
        raise SystemExit(f"adjudication.jsonl must decide exactly the {len(disagreements)} "
                         f"disagreements: missing {sorted(disagreements - set(decisions))}, "
                         f"extra {sorted(set(decisions) - disagreements)}")
    for decision in decisions.values():
        if not decision.get("reason"):
            raise SystemExit(f"adjudication of {decision['id']} gives no reason")
    report["adjudicated"] = len(decisions)
    (out_dir or DOUBLE).mkdir(parents=True, exist_ok=True)
    ((out_dir or DOUBLE) / "agreement.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    out = [final_row(pool[i], a[i], b[i], decisions.get(i)) for i in pool]
    ((out_dir or HERE) / "double-labels.jsonl").write_text(
        "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in out), encoding="utf-8")
    print(f"double-labels.jsonl: {len(out)} statements, {dict(Counter(r['label'] for r in out))}",
          file=sys.stderr)
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="print agreement, write nothing")
    parser.add_argument("--out", type=Path, help="write both files into this folder")
    parser.add_argument("--parts", type=int, nargs="+",
                        help="part numbers to read (default: every double/part-N.jsonl)")
    args = parser.parse_args(argv)
    return build(args.check, args.out, args.parts)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
