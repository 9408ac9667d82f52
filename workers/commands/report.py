"""``drr report`` and ``drr diff``: a register for people who do not read JSON, and what
changed between two of its editions."""

from __future__ import annotations

import argparse
import json
from collections import Counter
from typing import Any

from extract.errors import DrrError
from workers.io import display_name, error, expand_inputs, open_output, read_input, write_jsonl
from workers.settings import Settings

Records = list[dict[str, Any]]


def register(sub: argparse._SubParsersAction) -> None:
    text = "a register as one self-contained HTML page (or Markdown) for people who do not read JSON"
    report = sub.add_parser("report", help=text, description=text + ". Inputs are register "
                            "documents (extracted and enriched here) or drr's JSON Lines.")
    report.add_argument("files", nargs="*", metavar="FILE",
                        help="register documents, drr JSON Lines, or folders")
    report.add_argument("--from-store", action="store_true",
                        help="report on every record in the store (DRR_DATABASE_URL) and the "
                             "changes of each register's latest edition")
    report.add_argument("--previous", metavar="FILE", action="append", default=[],
                        help="the register's previous edition (repeatable): the report says "
                             "what changed since")
    report.add_argument("--format", choices=("html", "md"),
                        help="html (default) or md; .md output names mean md")
    report.add_argument("-o", "--output", default="-", help="output file (default: - stdout)")
    report.add_argument("--title", default="Data release register", help="the page's title")
    report.set_defaults(func=run_report)
    text = "what changed between two editions of a register, one JSON line per agreement"
    diff = sub.add_parser("diff", help=text, description=text + ": added, removed or amended "
                          "(typography-only edits are not amendments).")
    diff.add_argument("old", metavar="OLD", help="the older edition: a document or drr JSON Lines")
    diff.add_argument("new", metavar="NEW", help="the newer edition")
    diff.add_argument("-o", "--output", default="-", help="JSON Lines output (default: - stdout)")
    diff.set_defaults(func=run_diff)


def run_diff(args: argparse.Namespace, settings: Settings) -> int:
    from workers.commands.core import one_line
    from workers.diff import diff_editions, record_agreement

    old, failed_old = load_records([args.old], settings, enrich=False)
    new, failed_new = load_records([args.new], settings, enrich=False)
    if failed_old or failed_new:
        return 1  # a diff against a missing edition would report every agreement as changed
    changes = diff_editions(old, new)
    with open_output(args.output) as out:
        write_jsonl(out, changes)
    error(change_summary(changes))
    if old and new and not ({record_agreement(r) for r in old} & {record_agreement(r) for r in new}):
        # Every agreement removed and every other added: two different registers, most likely.
        error(f"{one_line(args.old)} and {one_line(args.new)} have no agreement in common: "
              "are they editions of one register?")
    return 0


def change_summary(changes: list[dict[str, Any]]) -> str:
    kinds = Counter(change["change"] for change in changes)
    parts = ", ".join(f"{kinds[kind]} {kind}" for kind in ("added", "removed", "amended"))
    return f"{len(changes)} changes: {parts}"


def run_report(args: argparse.Namespace, settings: Settings) -> int:
    from workers.report import figures, render_html, render_markdown

    if bool(args.files) == args.from_store:
        error("give register files, or --from-store (not both)")
        return 2  # a usage error, as argparse's own
    if args.from_store:
        numbers, failed = _from_store(settings), 0
    else:
        records, failed = load_records(args.files, settings, enrich=True, exclude=args.output)
        changes = None
        if args.previous:
            from workers.diff import diff_editions

            previous, failed_previous = load_records(args.previous, settings, enrich=False)
            failed += failed_previous
            changes = diff_editions(previous, records) if not failed_previous else None
        numbers = figures(records, changes)
    if not numbers["releases"]:
        raise DrrError("no records to report on")
    markdown = args.format == "md" or (args.format is None and args.output.endswith(".md"))
    with open_output(args.output) as out:
        out.write(render_markdown(numbers, args.title) if markdown else render_html(numbers, args.title))
    where = "stdout" if args.output == "-" else args.output
    error(f"report of {numbers['releases']:,} releases, {numbers['agreements']:,} agreements "
          f"written to {where}")
    return 1 if failed else 0


def _from_store(settings: Settings) -> dict[str, Any]:
    """The figures of the stored records (a snapshot register's latest edition only) and of
    each register's latest edition's changes.
    Records are read one at a time: a stored body with its entities runs to tens of
    kilobytes, and the figures keep a few fields of each."""
    from workers.report import figures
    from workers.store import RecordFilter, open_store

    store = open_store(settings.database_url)
    try:
        latest: dict[str, str] = {}
        for edition in store.editions():  # newest first
            latest.setdefault(edition["register"], edition["sha256"])
        changes = [c for c in store.changes() if c["edition"] in latest.values()]
        # A snapshot register's earlier editions list its rows again: its latest only.
        current = store.iter_records(RecordFilter(latest_only=True))
        return figures((json.loads(body) for body in current), changes)
    finally:
        store.dispose()


def load_records(
    names: list[str], settings: Settings, enrich: bool, exclude: str = "-"
) -> tuple[Records, int]:
    """Every record of the inputs: drr's JSON Lines as they are, documents extracted (and
    enriched when asked). A file that fails is reported on stderr and counted."""
    from extract.detect import is_drr_records
    from workers.commands.core import one_line
    from workers.pipeline import extract_records

    records: Records = []
    failed = 0
    enricher = None
    for name in expand_inputs(names, exclude=exclude):
        try:
            data = read_input(name)
            if is_drr_records(data):
                found = _json_lines(data, name)
                # `drr extract`'s records have no purpose or entities yet: reported as they
                # are, every sector would read "not known" and every purpose "unlabelled".
                if not enrich or all("purpose" in r for r in found):
                    records.extend(found)
                    continue
            else:
                found = extract_records(data, display_name(name), settings.limits)[1]
            if enrich:
                if enricher is None:
                    from nlp.enrich import build_enricher

                    enricher = build_enricher(settings.models_dir)
                todo = [i for i, r in enumerate(found) if "purpose" not in r]
                for i, enriched in zip(todo, enricher.enrich([found[i] for i in todo]),
                                       strict=True):
                    found[i] = enriched
            records.extend(found)
        except (DrrError, OSError) as exc:
            failed += 1
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            error(f"{one_line(name)}: {one_line(reason)}")
    return records, failed


def _json_lines(data: bytes, name: str) -> Records:
    out = []
    for number, line in enumerate(data.decode("utf-8", errors="replace").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            raise DrrError(f"line {number}: not JSON ({exc})") from exc
        if not isinstance(record, dict) or not isinstance(record.get("fields"), dict):
            raise DrrError(f"line {number}: not a drr record (no 'fields' object)")
        out.append(record)
    return out
