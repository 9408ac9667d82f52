"""Stage 5: merged cells found away from their rows (floating organisation and purpose lines)."""

from __future__ import annotations

from extract.textdump.model import DumpSettings, Floating, Line
from extract.textdump.vocabulary import HSCIC_2014, TERMINAL, Vocabulary

# ---------------------------------------------------------------- stage 5: floating cells


def float_items(
    lines: list[Line],
    after: int,
    settings: DumpSettings,
    wide: int = 60,
    vocab: Vocabulary = HSCIC_2014,
) -> list[Floating]:
    """Floating lines cut into items: an organisation (narrow lines) and/or its purpose.

    Purpose lines are wide. A narrow line is an organisation line unless it ends a
    sentence straight after a wide line ("report."); a middling line is one only when
    more organisation-like lines follow and it ends no sentence ("National Institute for").
    """
    items: list[Floating] = []
    org: list[Line] = []
    purpose: list[Line] = []
    for index, line in enumerate(lines):
        continues = bool(org) and not purpose and len(line.text) <= settings.org_max + 8
        if _is_org_line(lines, index, settings.org_max, wide, continues):
            if purpose:
                items.append(_item(after, org, purpose, vocab=vocab))
                org, purpose = [], []
            org.append(line)
        else:
            purpose.append(line)
    if org or purpose:
        items.append(_item(after, org, purpose, vocab=vocab))
    return items


def _item(after: int, org: list[Line], purpose: list[Line], vocab: Vocabulary) -> Floating:
    """An item; narrow lines after an organisation's unmistakable last word ("CCG", "Ltd")
    are a one-line purpose ("Risk Stratification"), not more organisation."""
    for index, line in enumerate(org[:-1]):
        if (
            line.text.rsplit(" ", 1)[-1] in vocab.final_org_words
            and org[index + 1].text[:1].isupper()
        ):
            return Floating(after, tuple(org[: index + 1]), tuple(org[index + 1 :] + purpose))
    return Floating(after, tuple(org), tuple(purpose))


def _is_org_line(lines: list[Line], index: int, narrow: int, wide: int, continues: bool) -> bool:
    """Whether a floating line belongs to an organisation; `continues`: an organisation
    is open above it and the line is no wider than that column can be."""
    text = lines[index].text
    previous_wide = index > 0 and len(lines[index - 1].text) > wide
    if len(text) <= narrow:
        return not (previous_wide and _ends_sentence(text))
    if len(text) > wide or previous_wide or _ends_sentence(text):
        return False
    return continues or (index + 1 < len(lines) and len(lines[index + 1].text) <= wide)


def _ends_sentence(text: str) -> bool:
    return text.endswith(TERMINAL) or text[:1].islower()
