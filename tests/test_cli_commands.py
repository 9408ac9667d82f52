"""``drr COMMAND`` builds only the parsers of the module that registers COMMAND (``cli.COMMANDS``)."""

from __future__ import annotations

import argparse
import importlib

import pytest

from workers.cli import COMMAND_MODULES, COMMANDS, build_parser


def registered(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


@pytest.mark.parametrize("module", COMMAND_MODULES)
def test_the_table_names_every_command_a_module_registers_and_no_other(module: str) -> None:
    parser = argparse.ArgumentParser(prog="drr")
    sub = parser.add_subparsers(dest="command")
    importlib.import_module(f"workers.commands.{module}").register(sub)
    assert set(registered(parser)) == {c for c, m in COMMANDS.items() if m == module}


def test_without_a_known_command_every_command_is_there() -> None:
    everything = set(COMMANDS)
    assert set(registered(build_parser())) == everything
    assert set(registered(build_parser("--help"))) == everything
    assert set(registered(build_parser("no-such-command"))) == everything


@pytest.mark.parametrize(
    "argv",
    [["extract", "a.pdf", "-o", "out.jsonl"], ["schema"], ["debug-page", "a.pdf", "2"], ["debug-page", "a.pdf", "--page", "2"],
     ["jobs"], ["organisations", "show", "NHS Digital"], ["report", "a.jsonl"]],
)
def test_a_command_parses_as_it_does_with_every_parser_built(argv: list[str]) -> None:
    def parsed(parser: argparse.ArgumentParser) -> dict[str, object]:
        try:
            return vars(parser.parse_args(argv))
        except SystemExit as exc:  # a usage error: the same one either way
            return {"exit": exc.code}

    assert parsed(build_parser(argv[0])) == parsed(build_parser())
