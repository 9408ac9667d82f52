"""Entities of a record: organisations, approval references and data sets, with offsets.

One spaCy pipeline, built from ``spacy.blank("en")`` and saved under
``models/entities/vN/``, carries the entity work:

    dataset_ruler          SpanRuler: catalogue names -> doc.spans["datasets"] (id = canonical)
    approval_references    rule component: references -> doc.spans["approval_references"]
    ner                    trained on the project's silver annotations: ORG mentions

Which field goes through which part, and why (speed: >= 1,000 records/s on one core):

    organisation   the cell itself is the organisation; no model needed
    data_type      dataset_ruler + approval_references (short cells)
    legal_basis,   approval references (pure regex, the same function the component calls);
    reference      organisations in legal_basis through the windows below
    purpose        approval references by regex; organisations: the trained ``ner`` runs
                   only on short windows around rule-proposed candidates
                   (``organisation_candidates``), never on the whole ~1,000-character text,
                   and only where rules cannot decide (a gazetteer name is one
                   organisation; a kind of body or a data set name is none), once per
                   distinct window text (the same phrase recurs across purposes)

Without a trained model (no ``models/entities/ACTIVE``), the same pipeline runs with
rules only: a candidate is an organisation when the gazetteer knows its name.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import spacy
from spacy.language import Language
from spacy.pipeline import SpanRuler
from spacy.tokens import Doc, Span

from extract.record import Fields
from nlp.datasets import SPANS_KEY as DATASETS_KEY
from nlp.datasets import DatasetCatalogue, merge_abbreviations
from nlp.org_registry import organisation_id
from nlp.org_sector import classify
from nlp.org_split import split_organisations
from nlp.organisations import (
    GENERIC_CLASSES,
    GazetteerIndex,
    canonical_organisation,
    organisation_acronyms,
    organisation_candidates,
)
from nlp.record import ApprovalReference, Dataset, Entities, Organisation
from nlp.references import find_references

KIND = "entities"
REFERENCES_KEY = "approval_references"
REFERENCE_FIELDS = ("legal_basis", "reference", "purpose", "data_type")
ORG_TEXT_FIELDS = ("legal_basis", "purpose")
WINDOW_CHARS = 24  # context each side of a candidate: enough for "funded by" / "Ltd." cues
CACHE_SIZE = 4096  # distinct texts remembered: registers repeat a purpose on every row
# Candidate windows remembered: different purposes share phrases ("... by NHS Arden and GEM
# Commissioning Support Unit on behalf of ..."): about half the windows of the 2021 register's
# distinct passages were seen before.
WINDOW_CACHE_SIZE = 65536


@Language.component("approval_references", assigns=["doc.spans"])
def approval_references(doc: Doc) -> Doc:
    """Approval references as spans labelled with their scheme, canonical form as span id."""
    spans = []
    for ref in find_references(doc.text):
        span = doc.char_span(ref.start, ref.end, label=ref.scheme, alignment_mode="expand")
        if span is not None:
            spans.append(Span(doc, span.start, span.end, label=ref.scheme, span_id=ref.canonical))
    doc.spans[REFERENCES_KEY] = spans
    return doc


def build_rules_pipeline(catalogue: DatasetCatalogue | None = None) -> Language:
    """A blank English pipeline with the rule components; ``entity_train`` adds ``ner``."""
    nlp = spacy.blank("en")
    ruler = cast(SpanRuler, nlp.add_pipe("span_ruler", name="dataset_ruler", config={
        "spans_key": DATASETS_KEY,
        "phrase_matcher_attr": "LOWER",
        "spans_filter": {"@misc": "spacy.first_longest_spans_filter.v1"},
        "validate": False,
    }))

    def tokenize(text: str) -> list[str]:
        return [token.text for token in nlp.make_doc(text)]

    ruler.add_patterns((catalogue or DatasetCatalogue.load()).patterns(tokenize))
    nlp.add_pipe("approval_references")
    return nlp


@dataclass(frozen=True)
class Window:
    """A candidate organisation with a little context, cut from one field's text."""

    offset: int  # where the window starts in the field's text
    text: str
    candidate: tuple[int, int]  # the candidate's span, relative to the window


def candidate_windows(text: str, acronyms: frozenset[str]) -> list[Window]:
    windows = []
    for start, end in organisation_candidates(text, acronyms):
        left = _word_boundary_left(text, max(0, start - WINDOW_CHARS), start)
        right = _word_boundary_right(text, min(len(text), end + WINDOW_CHARS), end)
        windows.append(Window(left, text[left:right], (start - left, end - left)))
    return windows


def _word_boundary_left(text: str, position: int, limit: int) -> int:
    while 0 < position < limit and not text[position - 1].isspace():
        position += 1
    return position


def _word_boundary_right(text: str, position: int, limit: int) -> int:
    while limit < position < len(text) and not text[position].isspace():
        position -= 1
    return position


def _all_but(nlp: Language, keep: str) -> list[str]:
    return [name for name in nlp.pipe_names if name != keep]


OrgSpans = list[tuple[int, int]]
OrgFinder = Callable[[list[Window]], list[OrgSpans]]


def gazetteer_finder(index: GazetteerIndex) -> OrgFinder:
    """Rules only: the gazetteer's names, as printed, inside each candidate."""
    def find(windows: list[Window]) -> list[OrgSpans]:
        return [index.find(w.text, *w.candidate) for w in windows]
    return find


def ner_finder(nlp: Language, index: GazetteerIndex | None = None,
               not_organisations: frozenset[str] = frozenset(), pack: int = 32,
               batch_size: int = 64) -> OrgFinder:
    """The trained ``ner``'s ORG entities overlapping each candidate, edges tidied; names the
    gazetteer knows are added where the model found nothing.

    Rules decide first, without the model: a candidate the gazetteer knows as a whole is
    one organisation; one of ``not_organisations`` (kinds of body, data set names) is none.
    Windows are short, and spaCy's cost per Doc outweighs its cost per token on them, so
    ``pack`` windows go into one Doc, a blank line apart, and entities are mapped back.
    """
    def find(windows: list[Window]) -> list[OrgSpans]:
        verdicts = [_rule_verdict(w, index, not_organisations) for w in windows]
        unknown = [w for w, verdict in zip(windows, verdicts) if verdict is None]
        entities = iter(_packed_entities(nlp, [w.text for w in unknown], pack, batch_size))
        return [_window_orgs(w, next(entities), index) if verdict is None else verdict
                for w, verdict in zip(windows, verdicts)]
    return find


def _rule_verdict(w: Window, index: GazetteerIndex | None,
                  not_organisations: frozenset[str]) -> OrgSpans | None:
    candidate = w.text[w.candidate[0]:w.candidate[1]]
    if index is not None and candidate in index.names:
        return [w.candidate]
    if candidate in not_organisations or candidate.startswith("The ") and (
            candidate[4:] in not_organisations):
        return []
    return None


def not_organisation_names(catalogue: DatasetCatalogue, index: GazetteerIndex) -> frozenset[str]:
    """Candidates that name no organisation: kinds of body, and the catalogue's data sets
    (a name the gazetteer also lists stays the gazetteer's)."""
    return frozenset(n for n in GENERIC_CLASSES | set(catalogue.names) if n not in index.names)


_SEPARATOR = "\n\n"


def _packed_entities(nlp: Language, texts: list[str], pack: int,
                     batch_size: int) -> list[list[tuple[int, int]]]:
    """ORG character spans of each text, running the ``ner`` on packs of texts."""
    packs = [texts[i:i + pack] for i in range(0, len(texts), pack)]
    docs = nlp.pipe((_SEPARATOR.join(p) for p in packs), batch_size=batch_size,
                    disable=_all_but(nlp, "ner"))
    found: list[list[tuple[int, int]]] = []
    for group, doc in zip(packs, docs):
        starts = [0]
        for text in group[:-1]:
            starts.append(starts[-1] + len(text) + len(_SEPARATOR))
        spans: list[list[tuple[int, int]]] = [[] for _ in group]
        for ent in doc.ents:
            i = bisect_right(starts, ent.start_char) - 1
            start, end = ent.start_char - starts[i], ent.end_char - starts[i]
            if ent.label_ == "ORG" and end <= len(group[i]):
                spans[i].append((start, end))
        found.extend(spans)
    return found


def _window_orgs(w: Window, entities: list[tuple[int, int]],
                 index: GazetteerIndex | None) -> OrgSpans:
    spans = [_tidy(w.text, s, e) for s, e in entities if _overlaps((s, e), w.candidate)]
    # A name does not end inside a hyphenated word ("Summary Hospital" of "Hospital-level").
    spans = [s for s in spans if s[1] > s[0] and not w.text.startswith("-", s[1])]
    if index is not None:
        listed = index.find(w.text, *w.candidate)
        spans += [k for k in listed if not any(_overlaps(k, s) for s in spans)]
    return sorted(spans)


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and a[1] > b[0]


# The model's spans sometimes run on into a connector ("University of Manchester and") or a
# possessive ("University of Oxford’s"); a name never ends that way.
_RAGGED_END = re.compile(r"(?:[\s,;:–-]+(?:and|or|for|of|the|&)?|['’]s)+$")


def _tidy(text: str, start: int, end: int) -> tuple[int, int]:
    return start, start + len(_RAGGED_END.sub("", text[start:end]))


class TextCache(dict[Any, Any]):
    """Results per distinct text, oldest forgotten first: registers repeat a purpose, legal
    basis or data set cell on every row of an agreement, so most texts are seen before."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        super().__init__()
        self.size = size

    def remember(self, key: Any, value: Any) -> None:
        if len(self) >= self.size:
            self.pop(next(iter(self)))
        self[key] = value


@dataclass
class SpacyEntityExtractor:
    """``EntityExtractor`` over a loaded pipeline; built once per process, then reused."""

    nlp: Language
    find_organisations: OrgFinder
    name: str = "rules"
    acronyms: frozenset[str] = field(default_factory=organisation_acronyms)
    _orgs_cache: TextCache = field(default_factory=TextCache)
    _datasets_cache: TextCache = field(default_factory=TextCache)
    _references_cache: TextCache = field(default_factory=TextCache)
    window_cache_size: int = WINDOW_CACHE_SIZE  # 0: every window goes to the finder
    _windows_cache: TextCache = field(init=False)

    def __post_init__(self) -> None:
        self._windows_cache = TextCache(self.window_cache_size)

    def extract_many(self, fields: Sequence[Fields]) -> list[Entities]:
        datasets = self._datasets([f.data_type or "" for f in fields])
        org_texts = {n: self._org_mentions([getattr(f, n) or "" for f in fields])
                     for n in ORG_TEXT_FIELDS}
        return [
            Entities.model_construct(
                organisations=_cell_organisation(f) + [
                    m for n in ORG_TEXT_FIELDS for m in _mentions(org_texts[n][i], n)
                ],
                approval_references=self._references(f),
                datasets=[
                    Dataset.model_construct(text=t, canonical=c, field="data_type", start=s, end=e)
                    for s, e, c in datasets[i] for t in [(f.data_type or "")[s:e]]
                ],
            )
            for i, f in enumerate(fields)
        ]

    def _datasets(self, texts: list[str]) -> list[list[tuple[int, int, str]]]:
        todo = sorted({t for t in texts if t and t not in self._datasets_cache})
        docs = self.nlp.pipe(todo, batch_size=512, disable=_all_but(self.nlp, "dataset_ruler"))
        for text, doc in zip(todo, docs):
            self._datasets_cache.remember(text, _dataset_spans(doc))
        return [self._datasets_cache.get(t, []) for t in texts]

    def _org_mentions(self, texts: list[str]) -> list[list[tuple[int, int, str]]]:
        todo = sorted({t for t in texts if t and t not in self._orgs_cache})
        windows = {t: candidate_windows(t, self.acronyms) for t in todo}
        found = iter(self._find_in_windows([w for t in todo for w in windows[t]]))
        for text in todo:
            spans = {(w.offset + s, w.offset + e) for w in windows[text] for s, e in next(found)}
            self._orgs_cache.remember(text, [(s, e, text[s:e]) for s, e in sorted(spans)])
        return [self._orgs_cache.get(t, []) for t in texts]

    def _find_in_windows(self, windows: list[Window]) -> list[OrgSpans]:
        """The finder's answer for each window, asked once per distinct window text."""
        if not self.window_cache_size:
            return self.find_organisations(windows)
        keys = [(w.text, w.candidate) for w in windows]
        known = {k: self._windows_cache[k] for k in keys if k in self._windows_cache}
        todo = [k for k in dict.fromkeys(keys) if k not in known]
        for key, spans in zip(todo, self.find_organisations([Window(0, *k) for k in todo])):
            known[key] = spans
            self._windows_cache.remember(key, spans)
        return [known[k] for k in keys]

    def _references(self, fields: Fields) -> list[ApprovalReference]:
        found = []
        for name in REFERENCE_FIELDS:
            text = getattr(fields, name)
            if not text:
                continue
            if text not in self._references_cache:
                self._references_cache.remember(text, find_references(text))
            found += [ApprovalReference.model_construct(
                text=r.text, scheme=r.scheme, canonical=r.canonical, field=name,
                start=r.start, end=r.end) for r in self._references_cache[text]]
        return found


def _dataset_spans(doc: Doc) -> list[tuple[int, int, str]]:
    spans = merge_abbreviations(doc, list(doc.spans[DATASETS_KEY]))
    return [(s.start_char, s.end_char, s.id_) for s in spans]


def _cell_organisation(fields: Fields) -> list[Organisation]:
    """The recipient cell's organisations: one, or several when the cell lists bodies."""
    cell = fields.organisation or ""
    spans = split_organisations(cell)
    # The publisher typed the cell, not each body it lists: a list's parts go by their names.
    typed = fields.organisation_type if len(spans) == 1 else None
    return [_organisation(cell[s:e], "organisation", s, e, typed, fields.purpose) for s, e in spans]


def _organisation(name: str, field_name: str, start: int, end: int,
                  publisher_type: str | None = None, purpose: str | None = None) -> Organisation:
    """An organisation with its registry id and its sector from everything the record gives
    (the purpose text only counts for the recipient, and only through ``org_sector``)."""
    guess = classify(name, publisher_type, _opening(purpose))
    return Organisation.model_construct(
        text=name, canonical=canonical_organisation(name), sector=guess.sector,
        field=field_name, start=start, end=end, id=organisation_id(name),
        sector_confidence=guess.confidence, needs_review=guess.needs_review,
    )


def _opening(purpose: str | None) -> str | None:
    # What a purpose says its recipient is comes first ("X Ltd is a consultancy ..."); the
    # opening keeps the sector cache small (a purpose differs from row to row).
    return purpose[:300] if purpose else None


def _mentions(found: Iterable[tuple[int, int, str]], field_name: str) -> list[Organisation]:
    return [_organisation(text, field_name, s, e) for s, e, text in found]


def load_entity_extractor(models_dir: Path | None = None) -> SpacyEntityExtractor:
    """The active trained pipeline, loaded once; the rules-only pipeline when none is active."""
    from models.registry import ModelNotFound, active_dir, read_card

    if models_dir is not None:
        try:
            path = active_dir(models_dir, KIND)
        except ModelNotFound:
            path = None
        if path is not None:
            nlp = spacy.load(path)
            card = read_card(path) if (path / "card.json").is_file() else {}
            index = GazetteerIndex.load()
            skip = not_organisation_names(DatasetCatalogue.load(), index)
            return SpacyEntityExtractor(nlp, ner_finder(nlp, index, skip),
                                        name=str(card.get("name", f"{KIND}-{path.name}")))
    return SpacyEntityExtractor(build_rules_pipeline(), gazetteer_finder(GazetteerIndex.load()))
