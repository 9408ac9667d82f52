"""drr's one error hierarchy: every error class of drr is a ``DrrError`` drawn in the
docstring of ``extract/errors.py``, and the folders keep their import rules."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import sys
from pathlib import Path

import extract.errors
from extract.errors import DrrError, ModelError

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("extract", "nlp", "models", "workers", "api")


def _import_all() -> None:
    for package in PACKAGES:
        module = importlib.import_module(package)
        for found in pkgutil.walk_packages(module.__path__, f"{package}."):
            if ".migrations" not in found.name:
                importlib.import_module(found.name)


def _subclasses(root: type) -> set[type]:
    found: set[type] = set(root.__subclasses__())
    for child in list(found):
        found |= _subclasses(child)
    return found


def test_every_error_of_drr_is_drawn_in_the_hierarchy() -> None:
    _import_all()
    drawing = extract.errors.__doc__ or ""
    ours = {cls for cls in _subclasses(DrrError) if cls.__module__.split(".")[0] in PACKAGES}
    assert {cls.__name__ for cls in ours} >= {"ApiError", "TransientJobError", "ModelError"}
    for cls in ours:
        assert f"── {cls.__name__} " in drawing, f"{cls.__module__}.{cls.__name__} is not drawn"


def test_an_error_class_of_drr_is_a_drr_error_or_says_why_not() -> None:
    """An exception class of drr outside the hierarchy is named in the drawing's text as
    kept outside on purpose (``ModelNotFound``, the PDF inflater's ``Overflow``)."""
    _import_all()
    drawing = extract.errors.__doc__ or ""
    for module in [m for name, m in list(sys.modules.items())
                   if name.split(".")[0] in PACKAGES]:
        for value in vars(module).values():
            if (isinstance(value, type) and issubclass(value, Exception)
                    and value.__module__ == module.__name__ and not issubclass(value, DrrError)):
                assert value.__name__ in drawing, f"{module.__name__}.{value.__name__}"


def test_models_translate_into_the_hierarchy_in_nlp(tmp_path: Path) -> None:
    from models.registry import ModelNotFound
    from nlp.purpose import load_purpose_model

    assert not issubclass(ModelNotFound, DrrError)  # models/ imports nothing of ours
    registry = ast.parse((ROOT / "models" / "registry.py").read_text())
    imported = {node.module for node in ast.walk(registry) if isinstance(node, ast.ImportFrom)}
    assert not {name for name in imported if name and name.split(".")[0] in PACKAGES}
    try:
        load_purpose_model(tmp_path)
    except ModelError as exc:
        assert str(exc) == f"no active purpose model under {tmp_path.resolve() / 'purpose'}"
    else:
        raise AssertionError("an empty models folder loaded a model")


def test_a_transient_job_error_is_retried_not_failed() -> None:
    from workers.jobs import TransientJobError, judge

    assert issubclass(TransientJobError, DrrError)
    assert judge(TransientJobError("database gone"), "r.pdf", 600)[0] == "retry"
