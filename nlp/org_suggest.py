"""Merge candidates for the organisation registry, and applying what a person decided.

``suggest`` proposes pairs of registry entries that may be one organisation; it never
merges. A person accepts or rejects each (``drr organisations review``); the decision is
kept (who, when, why) in ``corpora/organisations/decisions.jsonl`` and an accepted one is
applied to the registry by ``apply_decision``.

Evidence for a pair, strongest first: a shared ODS code; the same fold key (legal forms,
case and punctuation aside); one name is the other's acronym ("UCL", "(UCL)"); the two
names' words, each weighted by how rare it is among all names, mostly agree. Rare words
decide: "Barnsley Council" and "Bolton Council" share only "council", which nearly every
council has, so they never meet; "Dr Foster Intelligence" and "Dr Foster Limited" share
"foster", which only they have.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz

from nlp.org_registry import bracketed_acronym, council_place, fold_key, spellings

MIN_SCORE = 0.72  # weighted word agreement for a pair to be proposed (see ``word_score``)
MAX_SHARED_DF = 40  # a word more names than this share proposes no pair on its own
@dataclass(frozen=True)
class Candidate:
    """Two registry entries that may be one organisation, and why."""

    a: str
    b: str
    score: float
    reasons: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "score": round(self.score, 3),
                "reasons": list(self.reasons)}


def acronym_of(key: str) -> str:
    """Initials of a fold key's content words: "university college london" -> "ucl"."""
    return "".join(w[0] for w in key.split() if w not in ("of", "and", "for", "the", "in", "at"))


def word_weights(keys: Iterable[str]) -> dict[str, float]:
    """Inverse document frequency of each word over all names: rare words weigh most."""
    frequency = Counter(w for key in keys for w in set(key.split()))
    total = max(1, sum(1 for _ in frequency)) + 1
    return {w: math.log(total / n) for w, n in frequency.items()}


def word_score(a: str, b: str, weights: dict[str, float]) -> float:
    """Weighted agreement of two names' words, each word matched to its nearest
    (rapidfuzz ratio >= 90, so "organisation" meets "organization")."""
    wa, wb = a.split(), b.split()
    if not wa or not wb:
        return 0.0

    def matched(word: str, others: list[str]) -> bool:
        return any(word == o or fuzz.ratio(word, o) >= 90 for o in others)

    weight = lambda w: weights.get(w, max(weights.values(), default=1.0))
    shared = sum(weight(w) for w in wa if matched(w, wb)) + sum(weight(w) for w in wb if matched(w, wa))
    return shared / (sum(weight(w) for w in wa) + sum(weight(w) for w in wb))


def suggest(entries: list[dict[str, Any]], decided: AbstractSet[frozenset[str]] = frozenset(),
            min_score: float = MIN_SCORE) -> list[Candidate]:
    """Pairs of entries that may be one organisation, best first; pairs already decided
    or already linked (a successor, a part) are left out."""
    keys = {e["id"]: sorted({fold_key(s) for s in spellings(e)} - {""}) for e in entries}
    weights = word_weights(k for ks in keys.values() for k in ks)
    linked = {frozenset((e["id"], link["id"])) for e in entries
              for link in e.get("successors", [])} | {
        frozenset((e["id"], e["part_of"])) for e in entries if e.get("part_of")}
    found: dict[frozenset[str], Candidate] = {}
    for pair in _blocked_pairs(entries, keys, weights):
        if pair in decided or pair in linked:
            continue
        a, b = sorted(pair)
        candidate = _compare(_entry(entries, a), _entry(entries, b), keys, weights)
        if candidate and candidate.score >= min_score:
            found[pair] = candidate
    return sorted(found.values(), key=lambda c: (-c.score, c.a, c.b))


def _entry(entries: list[dict[str, Any]], entry_id: str) -> dict[str, Any]:
    return next(e for e in entries if e["id"] == entry_id)


def _blocked_pairs(entries: list[dict[str, Any]], keys: dict[str, list[str]],
                   weights: dict[str, float]) -> set[frozenset[str]]:
    """Pairs sharing an ODS code, an acronym or a rare word: the only ones compared."""
    blocks: dict[str, set[str]] = defaultdict(set)
    for e in entries:
        if e.get("ods"):
            blocks["ods:" + e["ods"]].add(e["id"])
        for key in keys[e["id"]]:
            blocks["key:" + key].add(e["id"])
            if len(key.split()) >= 2:
                blocks["acr:" + acronym_of(key)].add(e["id"])
            elif len(key) <= 8:
                blocks["acr:" + key].add(e["id"])
            for word in set(key.split()):
                blocks["word:" + word].add(e["id"])
    pairs: set[frozenset[str]] = set()
    for ids in blocks.values():
        if len(ids) < 2 or len(ids) > MAX_SHARED_DF:
            continue
        ordered = sorted(ids)
        pairs |= {frozenset((x, y)) for i, x in enumerate(ordered) for y in ordered[i + 1:]}
    return pairs


def _compare(a: dict[str, Any], b: dict[str, Any], keys: dict[str, list[str]],
             weights: dict[str, float]) -> Candidate | None:
    reasons: list[str] = []
    score = 0.0
    if a.get("ods") and b.get("ods") and a["ods"] != b["ods"]:
        return None  # the ODS list says they are two bodies
    if "sub_icb_location" in (a.get("kind"), b.get("kind")) and a.get("ods") != b.get("ods"):
        return None  # a sub-ICB location's name is its ICB's: only its code tells it
    if _directions(a) != _directions(b):
        return None  # "North Lincolnshire" and "North East Lincolnshire" are neighbours
    if a.get("ods") and a.get("ods") == b.get("ods"):
        reasons.append(f"same ODS code {a['ods']}")
        score = 1.0
    ka, kb = keys[a["id"]], keys[b["id"]]
    if set(ka) & set(kb):
        reasons.append("same name once legal forms, case and punctuation are set aside")
        score = max(score, 0.99)
    places_a = {council_place(s) for s in spellings(a)} - {None}
    if places_a & ({council_place(s) for s in spellings(b)} - {None}):
        reasons.append("councils of the same place")
        score = max(score, 0.95)
    acronyms_a = {bracketed_acronym(s) for s in spellings(a)} - {None}
    acronyms_b = {bracketed_acronym(s) for s in spellings(b)} - {None}
    if _acronym_match(ka, kb, acronyms_a, acronyms_b):
        reasons.append("one name is the other's acronym")
        score = max(score, 0.9)
    best = max((word_score(x, y, weights) for x in ka for y in kb), default=0.0)
    if best >= MIN_SCORE:
        reasons.append(f"rare words agree (weighted {best:.2f})")
    score = max(score, best)
    if a.get("sector") != b.get("sector") and score < 0.99:
        score -= 0.1  # publishers typed them differently: weaker evidence, said so
        reasons.append(f"sectors differ ({a.get('sector')} / {b.get('sector')})")
    return Candidate(a["id"], b["id"], score, tuple(reasons)) if reasons else None


_DIRECTIONS = frozenset(("north", "south", "east", "west", "central", "mid", "inner", "outer",
                         "upper", "lower", "greater", "eastern", "western", "northern", "southern"))


def _directions(entry: dict[str, Any]) -> frozenset[str]:
    return frozenset(w for w in fold_key(entry["name"]).split() if w in _DIRECTIONS)


def _acronym_match(ka: list[str], kb: list[str], acr_a: set[Any], acr_b: set[Any]) -> bool:
    short_a = {k for k in ka if " " not in k} | {a.lower() for a in acr_a}
    short_b = {k for k in kb if " " not in k} | {a.lower() for a in acr_b}
    long_a = {acronym_of(k) for k in ka if " " in k}
    long_b = {acronym_of(k) for k in kb if " " in k}
    return bool(short_a & long_b or short_b & long_a or short_a & short_b & (acr_a | acr_b))


def apply_decision(entries: list[dict[str, Any]], decision: dict[str, Any]) -> list[dict[str, Any]]:
    """The registry after one decision: a merge folds ``b`` into ``a`` (its spellings, its
    id kept in ``merges`` with who, when and why); a rejection changes nothing."""
    if decision.get("decision") != "merge":
        return entries
    ids = {e["id"] for e in entries}
    if decision["a"] not in ids or decision["b"] not in ids:
        return entries  # an earlier decision already merged one of them
    keep = _entry(entries, decision["a"])
    gone = _entry(entries, decision["b"])
    names = {a["name"] for a in keep.get("aliases", [])}
    for alias in [{"name": gone["name"], "seen": []}, *gone.get("aliases", [])]:
        if alias["name"] not in names:
            keep["aliases"] = [*keep.get("aliases", []), alias]
            names.add(alias["name"])
    for key in ("ods", "ons", "opened", "closed", "kind"):
        if key in gone and key not in keep:
            keep[key] = gone[key]
    keep["merges"] = keep.get("merges", []) + [{
        "id": gone["id"], "name": gone["name"], "reviewer": decision["reviewer"],
        "at": decision["at"], "reason": decision["reason"],
    }, *gone.get("merges", [])]
    keep["successors"] = keep.get("successors", []) + [
        s for s in gone.get("successors", []) if s["id"] != keep["id"]]
    for e in entries:  # links to the merged entry now point at the one kept
        for link in e.get("successors", []):
            if link["id"] == gone["id"]:
                link["id"] = keep["id"]
        if e.get("part_of") == gone["id"]:
            e["part_of"] = keep["id"]
    return [e for e in entries if e["id"] != gone["id"]]
