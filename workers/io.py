"""Inputs and outputs of the command line: files, folders, stdin, stdout, progress."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


def expand_inputs(names: list[str], exclude: str = "-") -> list[str]:
    """Files as given; folders become their files, sorted; ``-`` is standard input.

    The output file is left out of a folder's files, so a second run over the same
    folder does not read the first run's output as a register.
    """
    skip = Path(exclude).resolve() if exclude != "-" else None
    out: list[str] = []
    for name in names:
        path = Path(name)
        if name != "-" and path.is_dir():
            out.extend(
                str(p) for p in sorted(path.rglob("*"))
                if p.is_file() and not p.name.startswith(".") and p.resolve() != skip
            )
        else:
            out.append(name)
    return out


def read_input(name: str) -> bytes:
    return sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()


def display_name(name: str) -> str:
    return "stdin" if name == "-" else Path(name).name


@contextmanager
def open_output(name: str) -> Iterator[IO[str]]:
    if name == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    Path(name).parent.mkdir(parents=True, exist_ok=True)
    with open(name, "w", encoding="utf-8", newline="\n") as handle:
        yield handle


def dumps(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def write_jsonl(out: IO[str], records: Iterable[dict[str, Any]]) -> None:
    for record in records:
        out.write(dumps(record) + "\n")


def error(message: str) -> None:
    print(f"drr: {message}", file=sys.stderr)


class Progress:
    """Progress of a multi-file run on stderr: a bar on a terminal, a line a file elsewhere."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.tty = sys.stderr.isatty()

    def step(self, name: str, outcome: str) -> None:
        self.done += 1
        if self.total < 2:
            return
        if self.tty:
            width = 30
            filled = width * self.done // self.total
            bar = "#" * filled + "-" * (width - filled)
            end = "\n" if self.done == self.total else ""
            print(f"\r[{bar}] {self.done}/{self.total} {name[:40]:<40}", end=end, file=sys.stderr)
        else:
            print(f"drr: [{self.done}/{self.total}] {name}: {outcome}", file=sys.stderr)


@contextmanager
def activity(label: str, tick: float = 1.0, report: bool = True) -> Iterator[None]:
    """A long step (reading a large file, enriching it, training): on a terminal its label
    with the seconds counting up; when it ends, how long it took (unless ``report`` is
    False: then only on a terminal). Nothing more when it fails: its one line says it."""
    import threading
    import time

    start = time.monotonic()
    stop = threading.Event()
    tty = sys.stderr.isatty()

    def count_up() -> None:
        while not stop.wait(tick):
            print(f"\rdrr: {label}... {time.monotonic() - start:.0f} s", end="",
                  file=sys.stderr, flush=True)

    ticker = threading.Thread(target=count_up, daemon=True) if tty else None
    if ticker:
        print(f"drr: {label}...", end="", file=sys.stderr, flush=True)
        ticker.start()
    try:
        yield
    finally:
        stop.set()
        if ticker:
            ticker.join()
            print("\r\x1b[K", end="", file=sys.stderr)  # the ticking line is cleared
    if report or tty:
        print(f"drr: {label}: done in {time.monotonic() - start:.1f} s", file=sys.stderr)
