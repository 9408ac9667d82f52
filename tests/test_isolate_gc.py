"""The bounded child's garbage collector skips what it inherits; the parent's is as before."""

from __future__ import annotations

import gc

from extract.isolate import run_bounded

MEMORY = 1 << 30


def test_the_child_inherits_its_parents_objects_frozen() -> None:
    assert run_bounded(gc.get_freeze_count, 30, MEMORY) > 0


def test_the_parent_has_nothing_left_frozen() -> None:
    assert gc.get_freeze_count() == 0
    assert run_bounded(lambda: 1, 30, MEMORY) == 1
    assert gc.get_freeze_count() == 0


def test_a_callers_own_freeze_is_left_alone() -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        assert run_bounded(lambda: 1, 30, MEMORY) == 1
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
