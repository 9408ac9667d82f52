"""``pages.copy_state`` makes what pdfminer.six's own ``copy()`` makes of the states ``q`` saves.

``ClipInterpreter.get_current_state`` copies the text and graphic states by their
attributes; if a pdfminer.six release gives a state an attribute its ``copy()`` leaves out
(or computes), the two part here.
"""

from __future__ import annotations

import pytest
from pdfminer.pdfinterp import PDFGraphicState, PDFTextState

from extract.pdf.pages import copy_state


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
