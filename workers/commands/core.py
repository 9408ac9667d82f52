"""``drr extract``, ``drr process``, ``drr enrich``, ``drr hdruk``, ``drr schema``: the record
commands."""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from collections.abc import Callable
from typing import Any

from extract.errors import DrrError
from workers.io import (
    Progress,
    activity,
    display_name,
    error,
    expand_inputs,
    open_output,
    read_input,
    write_jsonl,
)
from workers.settings import Settings

Records = list[dict[str, Any]]
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
LARGE_FILE = 1_000_000  # bytes: from this size a file's reading and enriching show progress


def register(sub: argparse._SubParsersAction) -> None:
    for name, func, text in (
        ("extract", run_extract, "rebuild every table row of register documents (no enrichment)"),
        ("process", run_process, "extract and enrich register documents"),
    ):
        parser = sub.add_parser(name, help=text, description=text)
        parser.add_argument("files", nargs="+", metavar="FILE", help="documents or folders; - for stdin")
        parser.add_argument("-o", "--output", default="-", help="JSON Lines output (default: - stdout)")
        if name == "extract":
            parser.add_argument("--explain", action="store_true",
                                help="say on stderr which column of each spreadsheet became which field, and why")
        parser.set_defaults(func=func)
    enrich = sub.add_parser("enrich", help="enrich records read as JSON Lines")
    enrich.add_argument("-i", "--input", default="-", help="JSON Lines input (default: - stdin)")
    enrich.add_argument("-o", "--output", default="-", help="JSON Lines output (default: - stdout)")
    enrich.set_defaults(func=run_enrich)
    hdruk = sub.add_parser(
        "hdruk", help="enriched records (JSON Lines) as an HDR UK Data Use Register CSV",
        description="One CSV row per data use (an agreement's data set rows joined), in the "
                    "fields of the HDR UK data use register specification v2.")
    hdruk.add_argument("-i", "--input", default="-", help="JSON Lines input (default: - stdin)")
    hdruk.add_argument("-o", "--output", default="-", help="CSV output (default: - stdout)")
    hdruk.set_defaults(func=run_hdruk)
    schema = sub.add_parser("schema", help="print the JSON Schema of the enriched record")
    schema.add_argument("-o", "--output", default="-")
    schema.set_defaults(func=run_schema)


def run_extract(args: argparse.Namespace, settings: Settings) -> int:
    from workers.commands.profile import explain_document
    from workers.pipeline import extracted_records

    def handle(data: bytes, name: str) -> Records:
        if args.explain:
            explain_document(data, name, settings)
        if len(data) < LARGE_FILE:
            return extracted_records(data, name, settings.limits)
        with activity(f"{one_line(name)}: reading {len(data) / 1e6:.1f} MB"):
            return extracted_records(data, name, settings.limits)

    return _run_documents(args, handle)


def run_process(args: argparse.Namespace, settings: Settings) -> int:
    from nlp.enrich import build_enricher
    from workers.pipeline import extract_records, process_document

    with activity("loading the models", report=False):
        enricher = build_enricher(settings.models_dir)

    def handle(data: bytes, name: str) -> Records:
        if len(data) < LARGE_FILE:
            return process_document(data, name, settings.limits, enricher)[1]
        # process_document's two steps, each shown: a large workbook takes many seconds.
        with activity(f"{one_line(name)}: reading {len(data) / 1e6:.1f} MB"):
            records = extract_records(data, name, settings.limits)[1]
        with activity(f"{one_line(name)}: enriching {len(records):,} records"):
            return enricher.enrich(records)

    return _run_documents(args, handle)


def summary(records: int, flagged: int, failed: int, purposes: Counter[str]) -> str:
    """The line a run ends with: what a person would otherwise count with a script. It is
    shown as ``drr: [N/N] done: ...``, the form of the progress lines scripts already tell
    from the one line per failure."""
    line = f"{records:,} records, {flagged:,} flagged for review, {failed:,} failed"
    if purposes:
        split = ", ".join(f"{n:,} {label}" for label, n in purposes.most_common())
        line += f"; purposes: {split}"
    return line


def _tally(records: Records, purposes: Counter[str]) -> int:
    """Count the records' purposes into ``purposes``; the number flagged for review."""
    purposes.update(r["purpose"]["label"] for r in records
                    if isinstance(r.get("purpose"), dict) and r["purpose"].get("label"))
    return sum(1 for r in records if r.get("needs_review"))


def _run_documents(args: argparse.Namespace, handle: Callable[[bytes, str], Records]) -> int:
    names = expand_inputs(args.files, exclude=args.output)
    progress = Progress(len(names))
    failed = written = flagged = 0
    purposes: Counter[str] = Counter()
    with open_output(args.output) as out:
        for name in names:
            shown = display_name(name)
            try:
                records = handle(read_input(name), shown)
            except (DrrError, OSError) as exc:
                failed += 1
                error(f"{one_line(name)}: {one_line(_reason(exc))}")
                progress.step(one_line(shown), "failed")
                continue
            except Exception as exc:  # noqa: BLE001 - a reader's bug must not cost the other files
                failed += 1
                detail = one_line(f"{type(exc).__name__}: {exc}", 200)
                error(f"{one_line(name)}: internal error, please report it ({detail})")
                progress.step(one_line(shown), "failed")
                continue
            write_jsonl(out, records)
            written += len(records)
            flagged += _tally(records, purposes)
            progress.step(one_line(shown), f"{len(records)} records")
    if failed < len(names):  # a lone failure's one line says it all
        error(f"[{len(names)}/{len(names)}] done: {summary(written, flagged, failed, purposes)}")
    return 1 if failed else 0


def run_enrich(args: argparse.Namespace, settings: Settings) -> int:
    from nlp.enrich import build_enricher

    records, failed = _read_records(args.input)
    enriched = build_enricher(settings.models_dir).enrich(records) if records else []
    with open_output(args.output) as out:
        write_jsonl(out, enriched)
    purposes: Counter[str] = Counter()
    error(f"[1/1] done: {summary(len(enriched), _tally(enriched, purposes), failed, purposes)}")
    return 1 if failed else 0


def run_hdruk(args: argparse.Namespace, settings: Settings) -> int:
    from workers.hdruk import data_uses, write_csv

    records, failed = _read_records(args.input)
    with open_output(args.output) as out:
        write_csv(data_uses(records), out)
    return 1 if failed else 0


def _read_records(name: str) -> tuple[Records, int]:
    """Every good record of a JSON Lines input; each bad line is reported and counted."""
    from pydantic import ValidationError

    from nlp.enrich import parse_fields

    records, failed = [], 0
    try:
        stream = sys.stdin if name == "-" else open(name, encoding="utf-8")  # noqa: SIM115
        with stream:
            for number, line in enumerate(stream, 1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                    if not isinstance(record, dict) or not isinstance(record.get("fields"), dict):
                        raise ValueError("a record needs a 'fields' object")  # noqa: TRY004
                    parse_fields(record["fields"])
                    records.append(record)
                except (ValueError, ValidationError) as exc:
                    failed += 1
                    error(f"{name}:{number}: not an extracted record ({_first_line(exc)})")
    except (OSError, UnicodeDecodeError) as exc:
        error(f"{name}: {_reason(exc)}")
        failed += 1
    return records, failed


def one_line(text: str, limit: int = 2000) -> str:
    """A file name or reason fit for one line of stderr: a name may hold a newline, and a
    reason must never break the one-line-per-failure rule scripts rely on."""
    shown = _CONTROL.sub(lambda m: _ESCAPES.get(m.group(), "?"), text)
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def run_schema(args: argparse.Namespace, settings: Settings) -> int:
    from workers.schema import schema_text

    with open_output(args.output) as out:
        out.write(schema_text())
    return 0


def _reason(exc: Exception) -> str:
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    return str(exc)
