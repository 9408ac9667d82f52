"""``drr``: a thin shell over the library. Every command is a module in ``workers/commands``.

Errors are translated here and only here (the CLI edge of the hierarchy drawn in
``extract/errors.py``): one line on stderr, ``drr: reason`` (``drr: FILE: reason`` for an
input that failed while the others are still processed), exit 1; 2 for a usage error. A
``DrrError`` says what to do in its message, so no traceback is printed for one.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from extract.errors import DrrError
from workers.settings import Settings

COMMAND_MODULES = ("core", "models", "service", "pdf", "report", "organisations", "profile")
# The module that registers each command: ``drr COMMAND …`` builds that module's parsers
# only (the other six modules' imports and parsers were 10 ms of every run); ``drr``,
# ``drr --help`` and a name not here build them all. tests/test_cli_commands.py holds this
# table to what each module registers.
COMMANDS = {
    **dict.fromkeys(("extract", "process", "enrich", "hdruk", "schema"), "core"),
    **dict.fromkeys(("train", "evaluate"), "models"),
    **dict.fromkeys(
        ("submit", "worker", "reap", "jobs", "job", "serve", "tokens", "corrections"), "service"
    ),
    "debug-page": "pdf",
    **dict.fromkeys(("report", "diff"), "report"),
    "organisations": "organisations",
    "profile": "profile",
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """drr's parser: every command's, or only the parsers of the module that registers
    ``command`` when it is a known command."""
    parser = argparse.ArgumentParser(
        prog="drr", description="Read NHS data release registers into enriched JSON records."
    )
    parser.add_argument("--version", action=VersionAction)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in (COMMANDS[command],) if command in COMMANDS else COMMAND_MODULES:
        importlib.import_module(f"workers.commands.{name}").register(sub)
    return parser


class VersionAction(argparse.Action):
    """``--version``, the installed version looked up only when asked for: importlib.metadata
    was 13 ms of every other command's start."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS,
                         help="show program's version number and exit")

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        print(f"drr {drr_version()}")
        parser.exit()


def drr_version() -> str:
    """The installed distribution's version (pyproject.toml's, once installed)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("drr")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(argv[0] if argv else None).parse_args(argv)
    try:
        return int(args.func(args, Settings.from_env()) or 0)
    except KeyboardInterrupt:
        print("drr: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except DrrError as exc:  # e.g. no active model: the message says which and where
        print(f"drr: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # e.g. an output file that cannot be written
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"drr: {where}{exc.strerror or exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
