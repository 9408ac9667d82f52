"""Versioned model folders and which one is active.

    models/<kind>/v<N>/        one trained model: its files and card.json
    models/<kind>/ACTIVE       the name of the active version folder, e.g. "v3"

A new version never replaces the active one until ``activate`` is called, so a
training run that scores worse leaves the active model untouched.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

_VERSION = re.compile(r"^v(\d+)$")


class ModelNotFound(Exception):
    """No active model of that kind: train one or point DRR_MODELS_DIR at a models folder."""


def versions(models_dir: Path, kind: str) -> list[str]:
    root = models_dir / kind
    found = [p.name for p in root.iterdir() if p.is_dir() and _VERSION.match(p.name)] if root.is_dir() else []
    return sorted(found, key=lambda name: int(name[1:]))


def active_version(models_dir: Path, kind: str) -> str | None:
    pointer = models_dir / kind / "ACTIVE"
    return pointer.read_text(encoding="utf-8").strip() if pointer.is_file() else None


def active_dir(models_dir: Path, kind: str) -> Path:
    version = active_version(models_dir, kind)
    if version is None or not (models_dir / kind / version).is_dir():
        raise ModelNotFound(f"no active {kind} model under {models_dir / kind}")
    return models_dir / kind / version


def new_version_dir(models_dir: Path, kind: str) -> Path:
    existing = versions(models_dir, kind)
    number = int(existing[-1][1:]) + 1 if existing else 1
    path = models_dir / kind / f"v{number}"
    path.mkdir(parents=True)
    return path


def activate(models_dir: Path, kind: str, version: str) -> None:
    if not (models_dir / kind / version).is_dir():
        raise ModelNotFound(f"{kind} model {version} does not exist")
    pointer = models_dir / kind / "ACTIVE"
    tmp = pointer.with_suffix(".tmp")
    tmp.write_text(version + "\n", encoding="utf-8")
    tmp.replace(pointer)


def write_card(version_dir: Path, card: dict[str, Any]) -> None:
    text = json.dumps(card, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    (version_dir / "card.json").write_text(text, encoding="utf-8")


def read_card(version_dir: Path) -> dict[str, Any]:
    return json.loads((version_dir / "card.json").read_text(encoding="utf-8"))
