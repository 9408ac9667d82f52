"""Stage 6: floating cells given back to the rows they span, only where one reading wins by a margin."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import product

from extract.text import join_lines
from extract.textdump.model import DumpSettings, Floating, ParsedRow
from extract.textdump.vocabulary import HSCIC_2014, Vocabulary

# ---------------------------------------------------------------- stage 6: reattachment


@dataclass(frozen=True)
class Assignment:
    """Which rows one floating item goes to, and how sure the text makes that."""

    rows: tuple[int, ...]
    item: Floating
    reason: str
    review: bool = True  # inferred rather than read: a person should look


def _lacks(row: ParsedRow) -> bool:
    """A row a floating cell may fill: the organisation and purpose are merged together
    in this layout, so a row printing its own organisation is outside any merged block."""
    return not row.cells.get("organisation")


def zones(rows: list[ParsedRow], items: list[Floating]) -> list[tuple[list[int], list[Floating]]]:
    """Rows that lack a merged cell, grouped with the floating items that can fill them.

    An item found after row p belongs to a block of rows lacking a value that contains p
    (bottom-aligned merged text starts inside its block), or to unfilled rows above it.
    """
    out: list[tuple[list[int], list[Floating]]] = []
    claimed = -1
    by_place: dict[int, list[Floating]] = {}
    for item in items:
        by_place.setdefault(item.after, []).append(item)
    for after, group in sorted(by_place.items()):
        end = after
        while end + 1 < len(rows) and _lacks(rows[end + 1]) and _lacks(rows[end]):
            end += 1
        members = [i for i in range(claimed + 1, end + 1) if _lacks(rows[i])]
        if not members and out:
            out[-1][1].extend(group)
            continue
        out.append((members, group))
        claimed = max(claimed, end)
    return [(members, _dedupe(_pair_items(group))) for members, group in out]


def _dedupe(items: list[Floating]) -> list[Floating]:
    """One item per merged cell: a block crossing a page break prints its merged cells on
    both pages, so the same organisation and purpose float twice; the later copy marks
    where the block ends."""
    last: dict[tuple[str, ...], Floating] = {}
    for item in items:
        key = tuple(line.text for line in item.organisation + item.purpose)
        last[key if item.organisation else (str(id(item)),)] = item
    kept = set(map(id, last.values()))
    return [item for item in items if id(item) in kept]


def _pair_items(group: list[Floating]) -> list[Floating]:
    """Organisation-only and purpose-only items of one zone, paired in order when they match."""
    orgs = [i for i in group if i.organisation and not i.purpose]
    purposes = [i for i in group if i.purpose and not i.organisation]
    if orgs and len(orgs) == len(purposes):
        whole = [i for i in group if i.organisation and i.purpose]
        return whole + [
            Floating(o.after, o.organisation, p.purpose) for o, p in zip(orgs, purposes)
        ]
    return group


def runs_of(members: list[int], ends: frozenset[int] = frozenset()) -> list[list[int]]:
    """Members split where a row with its own organisation interrupts them, and after
    rows in `ends` (a row printing its own purpose can only be the last of a block)."""
    runs: list[list[int]] = []
    for index in members:
        if runs and runs[-1][-1] == index - 1 and runs[-1][-1] not in ends:
            runs[-1].append(index)
        else:
            runs.append([index])
    return runs


def datasets_in(text: str | None, vocab: Vocabulary = HSCIC_2014) -> frozenset[str]:
    return frozenset(vocab.dataset_terms[m.lower()] for m in vocab.dataset_re.findall(text or ""))


def boundary_evidence(a: ParsedRow, b: ParsedRow) -> int:
    """How many of the single-row columns change between two neighbouring rows."""
    columns = ("data_provided", "sensitivity", "legal_basis", "frequency")
    return sum(a.text(c) != b.text(c) for c in columns)


def segmentations(runs: list[list[int]], k: int) -> Iterator[list[list[int]]]:
    """Every way to cut the runs into k contiguous segments (each run cut at least once)."""
    if k < len(runs):
        return
    if len(runs) == 1:
        yield from _cuts(runs[0], k)
        return
    for here in range(1, k - len(runs) + 2):
        for head in _cuts(runs[0], here):
            for rest in segmentations(runs[1:], k - here):
                yield head + rest


def _cuts(run: list[int], k: int) -> Iterator[list[list[int]]]:
    if k == 1:
        yield [run]
        return
    for split in range(1, len(run) - k + 2):
        for rest in _cuts(run[split:], k - 1):
            yield [run[:split], *rest]


@dataclass(frozen=True)
class Evidence:
    """What a zone's rows and items say, worked out once before the search reads it."""

    change: dict[int, int]  # row -> how many single-row columns change to the next row
    data_type: dict[int, str | None]
    row_sets: dict[int, frozenset[str]]  # row -> datasets its data type names
    item_sets: tuple[frozenset[str], ...]  # item -> datasets its purpose names
    after: tuple[int, ...]  # item -> the row it was found after
    own_purpose: frozenset[int]  # rows that print a purpose of their own
    has_purpose: tuple[bool, ...]  # item -> whether it brings a purpose


def gather(
    rows: list[ParsedRow],
    members: list[int],
    items: list[Floating],
    own: frozenset[int],
    vocab: Vocabulary = HSCIC_2014,
) -> Evidence:
    last = len(rows) - 1
    return Evidence(
        own_purpose=own,
        has_purpose=tuple(bool(item.purpose) for item in items),
        change={i: boundary_evidence(rows[i], rows[i + 1]) for i in members if i < last},
        data_type={i: rows[i].text("data_type") for i in members},
        row_sets={i: datasets_in(rows[i].text("data_type"), vocab=vocab) for i in members},
        item_sets=tuple(
            datasets_in(join_lines([x.text for x in i.purpose]), vocab=vocab) for i in items
        ),
        after=tuple(item.after for item in items),
    )


def _inner_cost(ev: Evidence, segment: Sequence[int]) -> int:
    types = [ev.data_type[i] for i in segment]
    # one request rarely lists a dataset twice
    return -sum(ev.change[i] for i in segment[:-1]) - 2 * (len(types) - len(set(types)))


def _match_score(ev: Evidence, segment: Sequence[int], item: int) -> int:
    """Datasets the item's purpose names among its rows' data types, and where it was found.

    Bottom-aligned merged text ends at its block's bottom and starts inside the block, so
    the row it was found after most likely ends the block, and at least belongs to it.
    """
    after = ev.after[item]
    found = 5 if after == segment[-1] else (1 if after in segment else 0)
    named = ev.item_sets[item]
    if ev.has_purpose[item] and any(i in ev.own_purpose for i in segment):
        found -= CLASH  # a block has one purpose: a row with its own is not in this one
    return found + (sum(1 for i in segment if ev.row_sets[i] & named) if named else 0)


MARGIN = 2  # score by which the best reading must beat every other for an item to be decided


def assign_zone(
    rows: list[ParsedRow],
    members: list[int],
    items: list[Floating],
    settings: DumpSettings,
    vocab: Vocabulary = HSCIC_2014,
) -> tuple[list[Assignment], list[int]]:
    """Give each floating item its rows where the text decides; and the rows left undecided."""
    own = frozenset(i for i in members if rows[i].cells.get("purpose"))
    runs = runs_of(members, own)
    if len(items) == 1 and len(runs) == 1 and not (items[0].purpose and own):
        reason = "the only floating cell after these rows"
        return [Assignment(tuple(members), items[0], reason, review=False)], []
    if len(items) > settings.max_items or len(runs) > settings.max_items:
        return [], members  # too many ways to read: say so rather than search for ever
    ev = gather(rows, members, items, own, vocab=vocab)
    near = _near_best(ev, runs, len(items), settings)
    spans = {i: {tuple(c[1][c[2].index(i)]) for c in near} for i in range(len(items))}
    unique = {i: next(iter(found)) for i, found in spans.items() if len(found) == 1}
    # Only positive evidence decides: the row it was found after, or a dataset its purpose
    # names. Taking whatever the others leave is enough only for the last item standing.
    sure = {i for i, span in unique.items() if _match_score(ev, span, i) > 0}
    if len(items) - len(sure) == 1 and len(unique) == len(items):
        sure = set(unique)
    reason = "placed by where it was found, the datasets its purpose names and row differences"
    decided = [Assignment(unique[i], items[i], reason) for i in sorted(sure)]
    covered = {i for a in decided for i in a.rows}
    return decided, [i for i in members if i not in covered]


Candidate = tuple[int, list[list[int]], tuple[int, ...]]
NO_READING = float("-inf")  # no way to cut the rest of the rows into the items left


def _near_best(
    ev: Evidence, runs: list[list[int]], count: int, settings: DumpSettings
) -> list[Candidate]:
    """Every reading (segments, and which item fills each) scoring within MARGIN of the best.

    A reading's score is a sum over its segments and the cuts between them, so the best
    score from any cut on is worked out once (`_Search.best`), and only readings that can
    still come within MARGIN of the best are followed: the readings that scoring every
    segmentation in every order would keep, without scoring the many that are far off.
    """
    groups = _found_together(ev.after)
    covers = list(_covers(runs, count, ev.own_purpose))
    orders = math.prod(math.factorial(len(group)) for group in groups)
    readings = orders * sum(_segmentation_count(covered, count) for covered, _ in covers)
    if not readings or readings >= settings.max_search:
        return []  # too many ways to read: the zone stays undecided
    values: dict[tuple[tuple[int, ...], int], int] = {}
    searches = [
        _Search(ev, _plan(ev, covered, -SKIP_COST * skipped), groups, values)
        for covered, skipped in covers
    ]
    everything = frozenset(range(count))
    top = max(search.plan.base + search.best(0, everything) for search in searches)
    return [c for search in searches for c in search.readings_above(top - MARGIN)]


def _found_together(after: tuple[int, ...]) -> list[list[int]]:
    """Items grouped by the row they were found after, down the rows: items found at
    different places keep their text order; items found together may come in any order."""
    return [[i for i, at in enumerate(after) if at == place] for place in sorted(set(after))]


Step = tuple[int, tuple[int, ...], int]  # a segment's last position, its rows, its cut's score


@dataclass(frozen=True)
class _Plan:
    """The rows a cover fills, as positions 0..n-1, and the segments that may start at each."""

    size: int
    steps: list[list[Step]]  # position -> segments starting there (none crosses a run)
    base: int  # minus the cost of the rows the cover leaves empty


def _plan(ev: Evidence, covered: list[list[int]], base: int) -> _Plan:
    rows = [i for run in covered for i in run]
    steps: list[list[Step]] = []
    start = 0
    for run in covered:
        for offset in range(len(run)):
            first = start + offset
            ends = range(first, start + len(run))
            steps.append(
                [(end, tuple(rows[first : end + 1]), _cut_score(ev, rows, end)) for end in ends]
            )
        start += len(run)
    return _Plan(len(rows), steps, base)


def _cut_score(ev: Evidence, rows: list[int], end: int) -> int:
    """What a cut after position `end` scores: how much its row and the next differ, if the
    next is its neighbour (a cut before an empty row, or at the end, tells nothing)."""
    if end + 1 < len(rows) and rows[end] + 1 == rows[end + 1]:
        return ev.change[rows[end]]
    return 0


def _segmentation_count(covered: list[list[int]], k: int) -> int:
    """How many ways `segmentations(covered, k)` yields: k - len(covered) cuts among the
    gaps inside the runs."""
    rows = sum(map(len, covered))
    return math.comb(rows - len(covered), k - len(covered)) if k >= len(covered) else 0


class _Search:
    """The readings of one cover: segments cut from its rows, each filled by one item."""

    def __init__(
        self,
        ev: Evidence,
        plan: _Plan,
        groups: list[list[int]],
        values: dict[tuple[tuple[int, ...], int], int],
    ) -> None:
        self.ev, self.plan, self.groups = ev, plan, groups
        self.values = values  # (segment, item) -> score: shared, segments recur across covers
        self.memo: dict[tuple[int, frozenset[int]], float] = {}

    def step(self, segment: tuple[int, ...], item: int) -> int:
        """A segment's own cost and the item's match with it."""
        key = (segment, item)
        if key not in self.values:
            self.values[key] = _inner_cost(self.ev, segment) + _match_score(self.ev, segment, item)
        return self.values[key]

    def next_items(self, left: frozenset[int]) -> list[int]:
        """The items that may fill the next segment: those left of the first group left."""
        return next(
            ([i for i in g if i in left] for g in self.groups if not left.isdisjoint(g)), []
        )

    def best(self, start: int, left: frozenset[int]) -> float:
        """The best score of filling positions start.. with the items `left`, cuts included;
        NO_READING when they cannot be cut so."""
        if self.plan.size - start < len(left) or (start < self.plan.size and not left):
            return NO_READING  # every item fills a segment of one row or more, every row a segment
        if not left:
            return 0
        key = (start, left)
        if key not in self.memo:
            self.memo[key] = max(
                [step + rest for _, _, _, step, rest in self.options(start, left)],
                default=NO_READING,
            )
        return self.memo[key]

    def options(
        self, start: int, left: frozenset[int]
    ) -> Iterator[tuple[int, int, tuple[int, ...], int, float]]:
        """Each item and segment that can come next and still be completed: the item, the
        segment's last position, its rows, what it scores with its cut, and the best score
        of the rest of a reading going that way."""
        last_end = self.plan.size - len(left)  # the items after this one need a row each
        for item in self.next_items(left):
            after = left - {item}
            for end, segment, cut in self.plan.steps[start]:
                if end > last_end:
                    break  # steps run from the shortest segment up
                rest = self.best(end + 1, after)
                if rest != NO_READING:
                    yield item, end, segment, self.step(segment, item) + cut, rest

    def readings_above(self, floor: float) -> Iterator[Candidate]:
        """The readings scoring above `floor`; a partial reading is dropped as soon as its
        best completion cannot pass the floor."""
        everything = frozenset(i for group in self.groups for i in group)
        yield from self._walk(0, everything, self.plan.base, [], (), floor)

    def _walk(
        self,
        start: int,
        left: frozenset[int],
        score: int,
        segments: list[list[int]],
        order: tuple[int, ...],
        floor: float,
    ) -> Iterator[Candidate]:
        if not left:
            yield score, segments, order
            return
        for item, end, segment, step, rest in self.options(start, left):
            if score + step + rest > floor:
                yield from self._walk(
                    end + 1,
                    left - {item},
                    score + step,
                    [*segments, list(segment)],
                    (*order, item),
                    floor,
                )


SKIP_COST = 2  # per row a reading leaves without a floating cell
CLASH = 10  # a reading that gives a second purpose to a row printing its own


def _covers(
    runs: list[list[int]], count: int, own: frozenset[int] = frozenset()
) -> Iterator[tuple[list[list[int]], int]]:
    """Which rows the items fill, and how many that leaves empty: a row can lack its
    organisation for other reasons (it shares an unreadable line with its data type).
    Each run is filled, left empty, or filled but for a last row printing its own purpose
    (a single-row agreement whose organisation could not be cut from its line)."""
    total = sum(map(len, runs))
    options = [[[], run] + ([run[:-1]] if len(run) > 1 and run[-1] in own else []) for run in runs]
    for choice in product(*options):
        covered = [run for run in choice if run]
        if 0 < len(covered) <= count:
            yield covered, total - sum(map(len, covered))
