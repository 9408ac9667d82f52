"""Organisations over HTTP: the registry with each organisation's figures, one
organisation's releases over time, aliases and successors, and reviewers' corrections.

Reading needs a token of any role (or ``DRR_PUBLIC_READ``); the corrections trail names
reviewers, so it needs a token even then. Correcting needs a ``reviewer`` token: a
registry entry's sector or name (``POST /organisations/{id}/corrections``), or which
entry one record's organisation is and its sector (``POST
/records/{record_id}/organisations/{position}``). Corrections are audited (who, when, old,
new, note) and shown over the committed registry at once; ``drr organisations corrections
apply`` writes them into ``corpora/organisations/registry.json``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import Response
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from api.auth import READ_ROLES, REVIEW_ROLES, requires
from api.errors import ApiError, answers
from nlp.org_registry import Registry, load_registry
from nlp.organisations import SECTORS
from workers.fields import RecordFilter
from workers.store import Store


def _storable(text: str | None) -> str | None:
    """The text stripped, None if empty; a NUL is refused (PostgreSQL cannot keep it)."""
    if text and "\x00" in text:
        raise ValueError("a NUL character cannot be stored")
    return (text or "").strip() or None


StoredText = Annotated[str | None, AfterValidator(_storable)]


class EntryCorrection(BaseModel):
    """A reviewer's correction of a registry entry: its sector, its name, or both."""

    model_config = ConfigDict(extra="forbid")

    sector: str | None = None
    name: StoredText = Field(None, min_length=1, max_length=500)
    note: StoredText = Field(None, max_length=2000)


class RecordOrganisationCorrection(BaseModel):
    """Which registry entry one organisation of a record is (``id``), and/or its sector."""

    model_config = ConfigDict(extra="forbid")

    id: StoredText = Field(None, max_length=200)
    sector: str | None = None
    note: StoredText = Field(None, max_length=2000)


def install(app: FastAPI) -> None:
    read = Depends(requires(READ_ROLES, public=app.state.settings.public_read))
    trail = Depends(requires(READ_ROLES))
    review = Depends(requires(REVIEW_ROLES))
    app.add_api_route("/organisations", list_organisations, dependencies=[read],
                      summary="registry organisations with release counts, sector, commercial share",
                      responses=answers(401, 403, 422))
    app.add_api_route("/organisations/{organisation_id}", get_organisation, dependencies=[read],
                      summary="one organisation: releases over time, aliases, successors",
                      responses=answers(401, 403, 404, 422))
    app.add_api_route("/organisations/{organisation_id}/corrections", organisation_trail,
                      dependencies=[trail], summary="corrections of one organisation, oldest first",
                      responses=answers(401, 403, 404, 422))
    app.add_api_route("/organisations/{organisation_id}/corrections", correct_entry,
                      methods=["POST"], dependencies=[review],
                      summary="a reviewer's correction of an organisation's sector or name",
                      responses=answers(400, 401, 403, 404, 413, 422))
    app.add_api_route("/records/{record_id}/organisations/{position}", correct_record,
                      methods=["POST"], dependencies=[review],
                      summary="a reviewer's correction of one organisation of a record",
                      responses=answers(400, 401, 403, 404, 413, 422))


def _sector(value: str | None) -> str | None:
    if value is not None and value not in SECTORS:
        raise ApiError(422, f"sector: unknown value {value!r}: one of {', '.join(SECTORS)}")
    return value


def corrected(registry: Registry, store: Store) -> dict[str, dict[str, Any]]:
    """Registry entries with reviewers' latest sector and name corrections applied."""
    entries = dict(registry.entries)
    for row in store.organisation_corrections_of():
        entry_id = row["organisation_id"]
        if row["record_id"] is None and entry_id in entries and row["field"] in ("sector", "name"):
            entries[entry_id] = {**entries[entry_id], row["field"]: row["new_value"],
                                 "corrected": True}
    return entries


def _summary(entry: dict[str, Any], figures: dict[str, int]) -> dict[str, Any]:
    n = figures.get("records", 0)
    return {
        "id": entry["id"], "name": entry["name"], "sector": entry["sector"],
        "kind": entry.get("kind"), "ods": entry.get("ods"), "records": n,
        "commercial_share": round(figures.get("commercial", 0) / n, 4) if n else None,
    }


def list_organisations(
    request: Request,
    sector: str | None = Query(None, description="one of " + ", ".join(SECTORS)),
    q: str | None = Query(None, max_length=200, description="words of the name or an alias"),
    with_records: bool = Query(False, description="only organisations stored records name"),
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0),
) -> dict[str, Any]:
    """Most records first, then by name."""
    store: Store = request.app.state.store
    registry = load_registry()
    wanted = _sector(sector)
    figures = store.organisation_figures()
    words = (q or "").casefold().split()
    rows = []
    for entry in corrected(registry, store).values():
        if wanted and entry["sector"] != wanted:
            continue
        if with_records and entry["id"] not in figures:
            continue
        if words and not _names_hold(entry, words):
            continue
        rows.append(_summary(entry, figures.get(entry["id"], {})))
    rows.sort(key=lambda r: (-r["records"], r["name"].casefold(), r["id"]))
    return {"organisations": rows[offset:offset + limit], "total": len(rows)}


def _names_hold(entry: dict[str, Any], words: list[str]) -> bool:
    names = " ".join([entry["name"], *(a["name"] for a in entry.get("aliases", []))]).casefold()
    return all(w in names for w in words)


def get_organisation(organisation_id: str, request: Request) -> dict[str, Any]:
    store: Store = request.app.state.store
    registry = load_registry()
    entries = corrected(registry, store)
    asked, organisation_id = organisation_id, registry.current(organisation_id) or ""
    entry = entries.get(organisation_id)
    if entry is None:
        raise ApiError(404, f"no organisation {asked}")
    figures = store.organisation_figures().get(organisation_id, {})
    years = store.year_counts(RecordFilter(organisation_id=organisation_id))
    return {
        **_summary(entry, figures),
        "aliases": entry.get("aliases", []),
        "successors": entry.get("successors", []),
        "predecessors": sorted(registry.predecessors.get(organisation_id, [])),
        "identity": registry.identity(organisation_id),
        "same_identity": registry.lineage(organisation_id),
        "part_of": entry.get("part_of"),
        "opened": entry.get("opened"), "closed": entry.get("closed"),
        "merges": entry.get("merges", []),
        "releases_by_year": [{"year": y, "records": n} for y, n in years],
        "sector_from": entry.get("sector_from"),
        "merged_from": asked if asked != organisation_id else None,
    }


def organisation_trail(organisation_id: str, request: Request) -> dict[str, Any]:
    store: Store = request.app.state.store
    if organisation_id not in load_registry().entries:
        raise ApiError(404, f"no organisation {organisation_id}")
    return {"organisation_id": organisation_id,
            "corrections": store.organisation_corrections_of(organisation_id)}


def correct_entry(organisation_id: str, correction: EntryCorrection,
                  request: Request) -> dict[str, Any]:
    store: Store = request.app.state.store
    organisation_id = load_registry().current(organisation_id) or organisation_id
    entry = corrected(load_registry(), store).get(organisation_id)
    if entry is None:
        raise ApiError(404, f"no organisation {organisation_id}")
    changes = {"sector": _sector(correction.sector), "name": correction.name}
    if not any(changes.values()):
        raise ApiError(422, "give a sector, a name or both")
    token = request.state.token
    for name, value in changes.items():
        if value is not None:
            store.correct_organisation_entry(organisation_id, name, entry.get(name), value,
                                             reviewer=token.name, token_id=token.id,
                                             note=correction.note)
    return get_organisation(organisation_id, request)


def correct_record(record_id: str, position: int, correction: RecordOrganisationCorrection,
                   request: Request) -> Response:
    store: Store = request.app.state.store
    linked = load_registry().current(correction.id) if correction.id is not None else None
    if correction.id is not None and linked is None:
        raise ApiError(422, f"id: no organisation {correction.id} in the registry")
    changes = {"id": linked, "sector": _sector(correction.sector)}
    if not any(changes.values()):
        raise ApiError(422, "give an id, a sector or both")
    token = request.state.token
    body = None
    for name, value in changes.items():
        if value is None:
            continue
        try:
            body = store.correct_record_organisation(record_id, position, name, value,
                                                     reviewer=token.name, token_id=token.id,
                                                     note=correction.note)
        except IndexError as exc:
            raise ApiError(404, str(exc)) from exc
        if body is None:
            raise ApiError(404, f"no record {record_id}")
    return Response(body, media_type="application/json")
