"""``pages.copy_state`` makes what pdfminer.six's own ``copy()`` makes of the states ``q``
saves, and the operators ``ClipInterpreter`` takes over (cm, Tm, m, l, TL, rg) leave the
state pdfminer.six's own leave, for numbers and for what they refuse.

``ClipInterpreter.get_current_state`` copies the text and graphic states by their
attributes; if a pdfminer.six release gives a state an attribute its ``copy()`` leaves out
(or computes), the two part here.
"""

from __future__ import annotations

from typing import Any

import pytest
from pdfminer.pdfinterp import (
    PDFGraphicState,
    PDFPageInterpreter,
    PDFResourceManager,
    PDFTextState,
)

from extract.pdf.pages import ClipInterpreter, GeometryDevice, copy_state


def busy(state: PDFTextState | PDFGraphicState) -> PDFTextState | PDFGraphicState:
    """The state with every attribute set to a value of its own, none left at its default."""
    for number, name in enumerate(vars(state), 1):
        setattr(state, name, ("value", name, number))
    return state


@pytest.mark.parametrize("kind", [PDFTextState, PDFGraphicState])
def test_a_copied_state_is_pdfminers_copy(kind: type) -> None:
    for state in (kind(), busy(kind())):
        copied = copy_state(state)
        assert type(copied) is kind
        assert vars(copied) == vars(state.copy())
        assert copied is not state


@pytest.mark.parametrize("kind", [PDFTextState, PDFGraphicState])
def test_changing_a_copy_leaves_the_saved_state_alone(kind: type) -> None:
    state = busy(kind())
    copied = copy_state(state)
    first = next(iter(vars(state)))
    setattr(copied, first, "changed")
    assert getattr(state, first) == ("value", first, 1)


OPERANDS = {
    "cm": [(1, 0, 0, 1, 72, 700.5), (0.5, 0, 0, -1, b"3", 2), (1, 0, 0, 1, "x", 2), (10**400, 0, 0, 1, 0, 0)],
    "Tm": [(1, 0, 0, 1, 0, 11.2), (2, 0.0, -0.0, 2, 5, 5), (1, 0, 0, 1, None, 0), (1, 0, 0, 1, [], 0)],
    "m": [(3, 4.5), (b"1", 2), ("a", 1), (10**400, 1)],
    "l": [(3, 4.5), (-0.0, 2), (None, 1), (1, 10**400)],
    "TL": [(9.6,), (12,), (b"-3",), ("x",), (10**400,)],
    "rg": [(0, 0, 0), (1, 0.5, 0.25), (1, "y", 0), (1, 1, 10**400)],
}


def interpreter(kind: type) -> Any:
    rsrcmgr = PDFResourceManager()
    made = kind(rsrcmgr, GeometryDevice(rsrcmgr))
    made.init_resources({})
    made.init_state((2.0, 0.0, 0.0, 2.0, 10.0, 20.0))
    made.curpath = []
    return made


def state(made: Any) -> tuple[Any, ...]:
    return made.ctm, made.device.ctm, vars(made.textstate), vars(made.graphicstate), made.curpath


@pytest.mark.parametrize("op", sorted(OPERANDS))
def test_the_operators_taken_over_leave_the_state_pdfminers_own_leaves(op: str) -> None:
    for operands in OPERANDS[op]:
        ours, theirs = interpreter(ClipInterpreter), interpreter(PDFPageInterpreter)
        getattr(ours, f"do_{op}")(*operands)
        getattr(theirs, f"do_{op}")(*operands)
        assert state(ours) == state(theirs), (op, operands)
