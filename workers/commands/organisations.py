"""``drr organisations``: merge candidates, a person's decisions, reviewers' corrections.

    drr organisations suggest [--min-score S] [--limit N] [-o FILE]
    drr organisations review --reviewer WHO [-i CANDIDATES] [--limit N]
    drr organisations show NAME_OR_ID
    drr organisations corrections list [--organisation ID]
    drr organisations corrections apply

Nothing is merged without a person: ``suggest`` only proposes (JSON lines); ``review``
asks at the terminal, one pair at a time (``m`` merge, ``r`` reject, ``s`` skip, ``q``
quit), wants a reason for each decision, appends it to ``decisions.jsonl`` (who, when,
why) and applies a merge to ``registry.json`` at once. Both files are committed data:
the diff is the review. ``corrections apply`` writes reviewers' corrections made over the
API into the registry, each with who, when and the note.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from extract.errors import DrrError
from workers.io import open_output
from workers.settings import Settings

HERE = Path(__file__).resolve().parent.parent.parent / "corpora" / "organisations"


def register(sub: argparse._SubParsersAction) -> None:
    orgs = sub.add_parser("organisations", help="the organisation registry: merges and corrections")
    doing = orgs.add_subparsers(dest="action", required=True, metavar="ACTION")
    files = argparse.ArgumentParser(add_help=False)
    files.add_argument("--registry", type=Path, default=HERE / "registry.json", metavar="FILE",
                       help="the registry (default: corpora/organisations/registry.json)")
    files.add_argument("--decisions", type=Path, default=HERE / "decisions.jsonl", metavar="FILE",
                       help="decisions kept (default: corpora/organisations/decisions.jsonl)")

    suggest = doing.add_parser("suggest", parents=[files], help="propose merges, one JSON line each")
    suggest.add_argument("--min-score", type=float, default=None, metavar="S")
    suggest.add_argument("--limit", type=int, default=None, metavar="N")
    suggest.add_argument("-o", "--output", default="-", metavar="FILE")
    suggest.set_defaults(func=run_suggest)

    review = doing.add_parser("review", parents=[files], help="accept or reject merges at the terminal")
    review.add_argument("--reviewer", required=True, metavar="WHO", help="your name, kept with each decision")
    review.add_argument("-i", "--input", default=None, metavar="FILE",
                        help="candidates from suggest (default: suggest them now)")
    review.add_argument("--limit", type=int, default=None, metavar="N")
    review.set_defaults(func=run_review)

    show = doing.add_parser("show", parents=[files], help="one organisation: entry, identity, links")
    show.add_argument("name", metavar="NAME_OR_ID")
    show.set_defaults(func=run_show)

    corrections = doing.add_parser("corrections", help="reviewers' organisation corrections")
    what = corrections.add_subparsers(dest="what", required=True, metavar="ACTION")
    listing = what.add_parser("list", help="the audit trail, oldest first")
    listing.add_argument("--organisation", metavar="ID")
    listing.set_defaults(func=run_corrections_list)
    apply = what.add_parser("apply", parents=[files], help="write corrections into the registry")
    apply.set_defaults(func=run_corrections_apply)


def read_registry(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DrrError(f"{path}: not a readable organisation registry ({exc})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("organisations"), list):
        raise DrrError(f"{path}: not an organisation registry (no list of organisations)")
    return data


def read_candidates(text: str, where: str) -> list[dict[str, Any]]:
    """Candidates as ``suggest`` writes them; a line that is not one is named, nothing read."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            candidate = json.loads(line)
            found.append({**candidate, "a": str(candidate["a"]), "b": str(candidate["b"]),
                          "score": candidate.get("score", 0), "reasons": candidate.get("reasons", [])})
        except (ValueError, KeyError, TypeError) as exc:
            raise DrrError(f"{where}:{number}: not a candidate from drr organisations suggest") from exc
    return found


def write_registry(path: Path, data: dict[str, Any]) -> None:
    """The registry as ``build_registry.py`` writes it: one diff line per change."""
    data["organisations"] = sorted(data["organisations"], key=lambda e: e["id"])
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def decided_pairs(path: Path) -> set[frozenset[str]]:
    if not path.is_file():
        return set()
    pairs = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            decision = json.loads(line)
            pairs.add(frozenset((decision["a"], decision["b"])))
        except (ValueError, KeyError, TypeError) as exc:
            raise DrrError(f"{path}:{number}: not a decision of drr organisations review") from exc
    return pairs


def candidates(registry: Path, decisions: Path, min_score: float | None) -> list[dict[str, Any]]:
    from nlp.org_suggest import MIN_SCORE, suggest

    entries = read_registry(registry)["organisations"]
    found = suggest(entries, decided_pairs(decisions), MIN_SCORE if min_score is None else min_score)
    names = {e["id"]: e["name"] for e in entries}
    return [{**c.as_dict(), "names": [names[c.a], names[c.b]]} for c in found]


def run_suggest(args: argparse.Namespace, settings: Settings) -> int:
    found = candidates(args.registry, args.decisions, args.min_score)[: args.limit]
    with open_output(args.output) as out:
        for candidate in found:
            out.write(json.dumps(candidate, ensure_ascii=False) + "\n")
    print(f"{len(found)} candidates", file=sys.stderr)
    return 0


ANSWERS = {"m": "merge", "r": "reject", "s": "skip", "q": "quit"}


def run_review(args: argparse.Namespace, settings: Settings) -> int:
    if args.input == "-":
        # the answers are read from standard input: candidates read there too would use it
        # up, and every question would meet its end at once
        raise DrrError("-i -: the answers come on standard input; give the candidates as a file")
    if args.input:
        todo = read_candidates(Path(args.input).read_text(encoding="utf-8"), args.input)
        done = decided_pairs(args.decisions)
        todo = [c for c in todo if frozenset((c["a"], c["b"])) not in done]
    else:
        todo = candidates(args.registry, args.decisions, None)
    made = review_pairs(todo[: args.limit], args.reviewer, args.registry, args.decisions,
                        sys.stdin, sys.stdout)
    print(f"{made} decisions kept in {args.decisions}", file=sys.stderr)
    return 0


def review_pairs(todo: list[dict[str, Any]], reviewer: str, registry: Path, decisions: Path,
                 answers: TextIO, out: TextIO) -> int:
    """Ask about each pair; keep each decision (and apply a merge) before the next question,
    so a session stopped half-way loses nothing."""
    from nlp.org_suggest import apply_decision

    made = 0
    for n, candidate in enumerate(todo, 1):
        data = read_registry(registry)
        entries = {e["id"]: e for e in data["organisations"]}
        if candidate["a"] not in entries or candidate["b"] not in entries:
            continue  # one side was merged earlier in this session
        out.write(f"\n[{n}/{len(todo)}] score {candidate['score']}: {'; '.join(candidate['reasons'])}\n")
        out.writelines(_describe(side, entries[candidate[side]]) for side in ("a", "b"))
        choice = _ask(out, answers, "merge b into a, reject, skip or quit? [m/r/s/q] ", set(ANSWERS))
        if choice in (None, "q"):
            break
        if choice == "s":
            continue
        reason = _ask(out, answers, "why? ", None)
        if not reason:
            out.write("a decision needs a reason: skipped\n")
            continue
        decision = {"a": candidate["a"], "b": candidate["b"], "decision": ANSWERS[choice],
                    "reviewer": reviewer, "at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "reason": reason, "names": [entries[candidate["a"]]["name"],
                                                entries[candidate["b"]]["name"]]}
        with decisions.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(decision, ensure_ascii=False) + "\n")
        if decision["decision"] == "merge":
            data["organisations"] = apply_decision(data["organisations"], decision)
            write_registry(registry, data)
        made += 1
    return made


def _describe(side: str, entry: dict[str, Any]) -> str:
    aliases = sorted({a["name"] for a in entry.get("aliases", [])} - {entry["name"]})
    extra = f"  ODS {entry['ods']}" if entry.get("ods") else ""
    return (f"  {side}: {entry['name']}  [{entry['id']}]  {entry['sector']}{extra}\n"
            + (f"     also printed: {'; '.join(aliases[:6])}\n" if aliases else ""))


def _ask(out: TextIO, answers: TextIO, prompt: str, allowed: set[str] | None) -> str | None:
    while True:
        out.write(prompt)
        out.flush()
        line = answers.readline()
        if not line:
            return None  # end of input: stop, nothing half-decided
        answer = line.strip()
        if allowed is None or answer.lower() in allowed:
            return answer.lower() if allowed else answer
        out.write(f"answer one of {'/'.join(sorted(allowed))}\n")


def run_show(args: argparse.Namespace, settings: Settings) -> int:
    from nlp.org_registry import Registry

    registry = Registry.from_entries(read_registry(args.registry)["organisations"])
    entry_id = args.name if args.name in registry.entries else registry.resolve(args.name)
    if entry_id is None:
        print(f"drr: no organisation {args.name!r} in the registry", file=sys.stderr)
        return 1
    shown = {**registry.entries[entry_id], "identity": registry.identity(entry_id),
             "same_identity": registry.lineage(entry_id),
             "predecessors": sorted(registry.predecessors.get(entry_id, []))}
    print(json.dumps(shown, ensure_ascii=False, indent=1))
    return 0


def run_corrections_list(args: argparse.Namespace, settings: Settings) -> int:
    from workers.commands.service import store_of

    for row in store_of(settings).organisation_corrections_of(args.organisation):
        print(json.dumps(row, ensure_ascii=False), flush=True)
    return 0


def run_corrections_apply(args: argparse.Namespace, settings: Settings) -> int:
    from workers.commands.service import store_of

    data = read_registry(args.registry)
    applied = apply_corrections(data["organisations"], store_of(settings).organisation_corrections_of())
    write_registry(args.registry, data)
    print(f"{applied} corrections written into {args.registry}", file=sys.stderr)
    return 0


def apply_corrections(entries: list[dict[str, Any]], rows: list[dict[str, Any]]) -> int:
    """Reviewers' corrections into the registry entries, each once (by correction id): a
    sector or name replaces the entry's, a record's organisation linked to an entry makes
    the printed name one of its aliases. Each is kept in the entry's ``corrections``."""
    by_id = {e["id"]: e for e in entries}
    applied = 0
    for row in rows:
        entry = by_id.get(row["organisation_id"] or "")
        if entry is None or row["id"] in {c["id"] for c in entry.get("corrections", [])}:
            continue
        if row["record_id"] is None and row["field"] in ("sector", "name"):
            entry[row["field"]] = row["new_value"]
            if row["field"] == "sector":
                entry["sector_from"] = "reviewer"
        elif row["field"] == "id" and row["printed"]:
            if row["printed"] not in {a["name"] for a in entry.get("aliases", [])}:
                entry.setdefault("aliases", []).append(
                    {"name": row["printed"], "seen": [f"record {row['record_id']}"]})
        else:
            continue
        entry.setdefault("corrections", []).append({
            "id": row["id"], "field": row["field"], "old": row["old_value"], "new": row["new_value"],
            "reviewer": row["reviewer"], "at": row["at"], "note": row["note"]})
        applied += 1
    return applied
