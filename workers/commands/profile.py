"""``drr profile infer``: the layout profile drr used for a spreadsheet, to review and save."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from extract.errors import DrrError
from workers.io import display_name, error, open_output, read_input
from workers.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:
    profile = sub.add_parser(
        "profile", help="layout profiles: infer one from a spreadsheet edition",
        description="Layout profiles (extract/profiles/*.json).",
    )
    actions = profile.add_subparsers(dest="action", required=True, metavar="ACTION")
    infer = actions.add_parser(
        "infer", help="print the profile JSON drr used for a spreadsheet or CSV table",
        description="Print, as JSON, what drr made of a spreadsheet's layout: each table's "
                    "sheet, header row, role (records or looked up) and join key, every "
                    "column's field with the evidence for it (header, content or both), "
                    "and each table's profile in the shape of extract/profiles/*.json.",
    )
    infer.add_argument("file", metavar="FILE", help="an XLSX, ODS or CSV document; - for stdin")
    infer.add_argument("--name", help="profile name (default: from the file name)")
    infer.add_argument("-o", "--output", default="-", help="JSON output (default: - stdout)")
    infer.add_argument(
        "--write", metavar="DIR", type=Path,
        help="also write each table's profile as DIR/<name>.json, ready to review and commit",
    )
    infer.set_defaults(func=run_infer)


def run_infer(args: argparse.Namespace, settings: Settings) -> int:
    from extract.layout_infer import describe_layout

    try:
        layout = describe_layout(
            read_input(args.file), display_name(args.file), settings.limits, args.name
        )
    except (DrrError, OSError) as exc:
        error(f"{args.file}: {exc}")
        return 1
    with open_output(args.output) as out:
        out.write(json.dumps(layout, ensure_ascii=False, indent=2) + "\n")
    if args.write is not None:
        args.write.mkdir(parents=True, exist_ok=True)
        for table in layout["tables"]:
            profile = table["profile"]
            path = args.write / f"{profile['name']}.json"
            path.write_text(json.dumps(profile, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
            error(f"wrote {path}")
    return 0


def explain_document(data: bytes, shown: str, settings: Settings) -> None:
    """``drr extract --explain``: for a spreadsheet, on stderr, which column became which
    field and on what evidence (header, content, or one trusted over the other). Given the
    bytes the extraction reads, so stdin is read once and no file twice."""
    from extract.layout_infer import explain_lines

    try:
        lines = explain_lines(data, shown, settings.limits)
    except DrrError:
        return  # not a spreadsheet, or no table: the extraction itself reports that
    for line in lines:
        print(f"drr: explain: {shown}: {line}", file=sys.stderr)
