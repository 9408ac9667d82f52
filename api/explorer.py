"""The explorer: the store's records as server-rendered HTML pages for people who read
registers, not JSON. No script, no request to anywhere else; every page works without
JavaScript and from the keyboard.

    GET /explore                              search (full text) and filters, a page of rows
    GET /explore/organisations/{name}         one recipient: releases by year, datasets, purposes
    GET /explore/agreements/{key}             one agreement: its rows, its changes, provenance
    GET /explore/records/{record_id}          one row and where it came from
    GET|POST /explore/sign-in, POST /explore/sign-out

Reading needs a token of any role (or ``DRR_PUBLIC_READ``), as ``/records`` does. A browser
cannot send a bearer header from a link, so the sign-in form keeps the token in an
HttpOnly, SameSite=Strict cookie; the pages only read.

The filters are ``workers.fields.FIELDS``, validated by the API's own ``RecordQuery``.

Counts, lists and search read each register's current editions only
(``RecordFilter.latest``): a snapshot register's earlier editions list its agreements
again and would count them twice. ``GET /records`` still serves every stored record.
An agreement page shows its current rows, or, for an agreement no current edition lists
(removed), the rows of the editions that did, with its changes across editions.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from pydantic import ValidationError

from api import errors
from api.auth import READ_ROLES, bearer_token
from nlp.organisations import SECTORS
from nlp.record import LABELS
from workers.diff import agreement_key, typographic_form
from workers.fields import FIELDS, RecordFilter, agreement_of, commercial_flag
from workers.store import Store, parse_seq

TEMPLATES = Path(__file__).resolve().parent / "static" / "explorer"
COOKIE = "drr_token"
PAGE_SIZE = 50
ORGANISATION_ROWS = 50  # rows listed on an organisation's page; the rest via the search
AGREEMENT_ROWS = 500
OPTIONS = 100  # values offered in a filter's list, commonest first
SEARCH_PARAMETERS = tuple(f.name for f in FIELDS) + ("after",)



def install(app: FastAPI, query_model: Any) -> None:
    """Add the explorer's routes; ``query_model`` validates the filters (``RecordQuery``)."""
    app.state.explorer = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    app.state.explorer.filters["excerpt"] = excerpt
    app.state.explorer.filters["label"] = label_of
    app.state.explorer.globals.update(quote=lambda text: quote(str(text), safe=""))
    app.state.explorer_query = query_model
    for path, endpoint in (
        ("/explore", search_page),
        ("/explore/organisations/{name:path}", organisation_page),
        ("/explore/agreements/{key:path}", agreement_page),
        ("/explore/records/{record_id}", record_page),
    ):
        app.add_api_route(path, endpoint, response_class=HTMLResponse, include_in_schema=False)
    app.add_api_route("/explore/sign-in", sign_in_page, response_class=HTMLResponse,
                      include_in_schema=False)
    app.add_api_route("/explore/sign-in", sign_in, methods=["POST"], include_in_schema=False)
    app.add_api_route("/explore/sign-out", sign_out, methods=["POST"], include_in_schema=False)


# rendering


def render(request: Request, template: str, code: int = 200, **context: Any) -> HTMLResponse:
    env: Environment = request.app.state.explorer
    # Sign out only clears the cookie: offered to those who signed in, not to every reader
    # of a public store or to the sign-in page's visitor.
    html = env.get_template(template).render(request_path=request.url.path,
                                             signed_in=COOKIE in request.cookies, **context)
    return HTMLResponse(html, status_code=code, headers={"Cache-Control": "no-store"})


def problem(request: Request, status: int, message: str) -> HTMLResponse:
    return render(request, "problem.html", status, title=errors.CODES.get(status, "error"),
                  status=status, message=message)


def excerpt(text: Any, size: int = 300) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= size else text[: size - 1].rstrip() + "…"


def label_of(value: Any) -> str:
    """``nhs_provider`` -> ``NHS provider``: a stored name as a reader would write it."""
    text = str(value if value is not None else "none").replace("_", " ")
    return "NHS" + text[3:] if text.startswith("nhs") else text


# who may read


def denied(request: Request) -> Response | None:
    """None when the request may read; else the sign-in page (401) or a 403 page."""
    if request.app.state.settings.public_read:
        return None
    token = bearer_token(request) or request.cookies.get(COOKIE)
    store: Store = request.app.state.store
    info = store.token_info(token) if token and "\x00" not in token else None
    if info is None:
        said = "That token is unknown or revoked." if token else ""
        return render(request, "sign_in.html", 401, title="Sign in", error=said,
                      next=_local(str(request.url.path) + _query_suffix(request)))
    if info.role not in READ_ROLES:
        return problem(request, 403, f"a {info.role} token cannot read records")
    return None


def _query_suffix(request: Request) -> str:
    return "?" + request.url.query if request.url.query else ""


def _local(path: str) -> str:
    """Only a path of this site is a place to go back to after signing in."""
    return path if path.startswith("/explore") and not path.startswith("//") else "/explore"


def sign_in_page(request: Request, next: str = "/explore") -> HTMLResponse:
    return render(request, "sign_in.html", title="Sign in", error="", next=_local(next))


async def sign_in(request: Request) -> Response:
    form = await request.form(max_files=0, max_fields=4)
    token = str(form.get("token") or "").strip()
    target = _local(str(form.get("next") or "/explore"))
    store: Store = request.app.state.store
    if not token or "\x00" in token or store.token_info(token) is None:
        return render(request, "sign_in.html", 401, title="Sign in", next=target,
                      error="That token is unknown or revoked.")
    answer = RedirectResponse(target, status_code=303)
    answer.set_cookie(COOKIE, token, httponly=True, samesite="strict",
                      secure=request.url.scheme == "https", path="/explore")
    return answer


def sign_out(request: Request) -> Response:
    answer = RedirectResponse("/explore/sign-in", status_code=303)
    answer.delete_cookie(COOKIE, path="/explore")
    return answer


# search


def search_page(request: Request) -> Response:
    if (refused := denied(request)) is not None:
        return refused
    given = {k: v.strip() for k, v in request.query_params.items()
             if k in SEARCH_PARAMETERS and v.strip()}
    unknown = sorted(set(request.query_params) - set(SEARCH_PARAMETERS))
    try:
        after = parse_seq(given.pop("after", "0"))
        query = request.app.state.explorer_query.model_validate(given)
    except (ValidationError, ValueError) as exc:
        said = (errors.describe(exc.errors()) if isinstance(exc, ValidationError)
                else "after: pass the link's value as it was given")
        return render(request, "search.html", 422, **_search_context(request, given, said))
    where = query.where().latest()
    store: Store = request.app.state.store
    page = store.explore_page(where, after, PAGE_SIZE)
    rows = [row_view(json.loads(body)) for _, body in page]
    more = None
    if len(page) == PAGE_SIZE:
        more = "/explore?" + urlencode({**given, "after": page[-1][0]})
    note = f"Not a filter, left out: {', '.join(unknown)}." if unknown else ""
    context = _search_context(request, given, note)
    purposes = _purpose_counts(store, where)
    context.update(rows=rows, more=more, total=sum(n for _, n in purposes),
                   purposes=purposes, first=after == 0)
    return render(request, "search.html", **context)


def _search_context(request: Request, given: dict[str, str], error: str) -> dict[str, Any]:
    store: Store = request.app.state.store
    return {
        "title": "Search the registers",
        "given": given,
        "error": error,
        "rows": [],
        "more": None,
        "total": None,
        "purposes": [],
        "first": True,
        "options": {
            "sector": [(s, label_of(s)) for s in SECTORS],
            "purpose": [(p, p) for p in LABELS],
            **{kind: choices(store, kind, RecordFilter(latest_only=True), OPTIONS)
               for kind in ("dataset", "legal_basis", "approval")},
        },
    }


def choices(store: Store, kind: str, where: RecordFilter, limit: int) -> list[tuple[str, str]]:
    """A term field's commonest values as (stored value, label): the label is the value as
    the registers print it most often, with how many rows hold it; the stored value is
    folded (what the filter compares), which a reader should not have to read."""
    return [(v, f"{shown} ({n:,})") for v, shown, n in _printed_counts(store, kind, where, limit)]


def _purpose_counts(store: Store, where: RecordFilter) -> list[tuple[str | None, int]]:
    """Matching rows by purpose label (None: no label), the labels in their usual order;
    their sum is the number of matching rows."""
    counts = store.purpose_counts(where)
    return [(label, counts[label]) for label in (*LABELS, None) if counts.get(label)]


def row_view(record: dict[str, Any]) -> dict[str, Any]:
    """What a results table shows of one record, and where its links go."""
    fields = record.get("fields") or {}
    entities = record.get("entities") or {}
    recipient = next((o for o in entities.get("organisations") or []
                      if o.get("field") == "organisation"), None)
    organisation = (recipient or {}).get("canonical") or fields.get("organisation")
    agreement = agreement_of(record)
    return {
        "record_id": record["record_id"],
        "organisation": organisation,
        "printed_organisation": fields.get("organisation"),
        "sector": (recipient or {}).get("sector"),
        "purpose_label": (record.get("purpose") or {}).get("label"),
        "purpose_source": (record.get("purpose") or {}).get("source"),
        "purpose": fields.get("purpose") or fields.get("title"),
        "datasets": sorted({d.get("canonical") or d.get("text")
                            for d in entities.get("datasets") or []} - {None}),
        "legal_basis": fields.get("legal_basis"),
        "commercial": commercial_flag(fields.get("commercial")),
        "date": fields.get("date_released") or fields.get("date_start"),
        "reference": fields.get("reference"),
        "agreement": agreement,
        "link": (f"/explore/agreements/{quote(agreement, safe='')}" if agreement
                 else f"/explore/records/{record['record_id']}"),
        "needs_review": bool(record.get("needs_review")),
    }


# one organisation


def organisation_page(name: str, request: Request) -> Response:
    if (refused := denied(request)) is not None:
        return refused
    store: Store = request.app.state.store
    where = RecordFilter(organisation=name, latest_only=True)
    purposes = _purpose_counts(store, where)
    total = sum(n for _, n in purposes)
    if not total:
        return problem(request, 404, f"no releases to an organisation named {name!r}")
    page = store.explore_page(where, 0, ORGANISATION_ROWS)
    rows = [row_view(json.loads(body)) for _, body in page]
    years = store.year_counts(where)
    return render(
        request, "organisation.html",
        title=rows[0]["organisation"] or name,
        name=name,
        total=total,
        rows=rows,
        sectors=sorted({r["sector"] for r in rows if r["sector"]}),
        years=years,
        year_max=max((n for _, n in years), default=1),
        purposes=purposes,
        datasets=_printed_counts(store, "dataset", where, 30),
        search="/explore?" + urlencode({"organisation": name}),
    )


def _printed_counts(store: Store, kind: str, where: RecordFilter,
                    limit: int) -> list[tuple[str, str, int]]:
    """(stored value, as printed, count) of a term field's commonest values."""
    counts = store.term_counts(kind, where, limit=limit)
    printed = store.printed_forms(kind, [v for v, _ in counts])
    return [(v, printed[v], n) for v, n in counts]


# one agreement, one record


def agreement_page(key: str, request: Request) -> Response:
    if (refused := denied(request)) is not None:
        return refused
    store: Store = request.app.state.store
    page = _agreement_rows(store, key)
    if not page and agreement_key(key) != key:  # the reference as printed, prefix and version
        page = _agreement_rows(store, agreement_key(key))
    if not page:
        return problem(request, 404, f"no agreement {key!r}")
    records = [json.loads(body) for _, body in page]
    agreement = agreement_of(records[0]) or key
    shared, varying = split_fields(records)
    return render(request, "agreement.html", title=f"Agreement {agreement}", agreement=agreement,
                  shared=shared, varying=varying, rows=[row_view(r) for r in records],
                  releases=[release_view(r, varying) for r in records],
                  changes=_changes(store, agreement), truncated=len(page) == AGREEMENT_ROWS)


def _agreement_rows(store: Store, key: str) -> list[tuple[int, str]]:
    """An agreement's rows in its register's current editions; for one they no longer list
    (removed from a snapshot register), its rows in the editions that listed it."""
    where = RecordFilter(agreement=key)
    return (store.page_records(where.latest(), 0, AGREEMENT_ROWS)
            or store.page_records(where, 0, AGREEMENT_ROWS))


def record_page(record_id: str, request: Request) -> Response:
    if (refused := denied(request)) is not None:
        return refused
    store: Store = request.app.state.store
    body = store.get_record(record_id)
    if body is None:
        return problem(request, 404, f"no record {record_id!r}")
    record = json.loads(body)
    agreement = agreement_of(record)
    return render(request, "record.html", title=f"Release row {record_id}",
                  agreement=agreement, record=detail_view(record), rows=[row_view(record)],
                  changes=_changes(store, agreement) if agreement else None)


def split_fields(records: list[dict[str, Any]]) -> tuple[list[tuple[str, Any]], list[str]]:
    """The fields every row of an agreement prints alike (said once), and the names of
    those that differ from row to row (a column each in the table of rows)."""
    names = [n for n in (records[0].get("fields") or {}) if n not in ("extra", "row_id")]
    names += [n for r in records for n in (r.get("fields") or {}) if n not in names
              and n not in ("extra", "row_id")]
    values = {n: [(r.get("fields") or {}).get(n) for r in records] for n in names}
    shared = [(n, v[0]) for n, v in values.items() if v[0] not in (None, "") and len(set(v)) == 1]
    varying = [n for n, v in values.items() if len(set(v)) > 1]
    return shared, varying


def release_view(record: dict[str, Any], varying: list[str]) -> dict[str, Any]:
    """One row of an agreement: where it is in its document and what it alone prints."""
    source = record.get("source") or {}
    cells = source.get("cells") or {}
    fields = record.get("fields") or {}
    anchor = next((cells[n] for n in ("row_id", "organisation", *varying) if n in cells), None)
    return {
        "record_id": record["record_id"],
        "filename": source.get("filename"),
        "row": int(source.get("row_index", 0)) + 1,
        "row_id": fields.get("row_id"),
        "where": where_read(anchor) or ", ".join(f"page {p}" for p in source.get("pages") or []),
        "cells": [(fields.get(n), where_read(cells.get(n))) for n in varying],
    }


def _changes(store: Store, agreement: str) -> list[dict[str, Any]] | None:
    """The agreement's changes between editions, when the store keeps editions (``drr
    diff``'s ``Store.changes``); None when it does not, which the page says."""
    changes = getattr(store, "changes", None)
    if changes is None:
        return None
    return [change_view(dict(change)) for change in changes(agreement=agreement)]


def change_view(change: dict[str, Any]) -> dict[str, Any]:
    """One change as a reader reads it: ``lines`` of (field, before, after) as text. A field
    several rows print (an agreement's datasets) is shown by the values that went and came,
    with how many stayed: the whole list, cut to fit, would hide what changed."""
    before, after = change.get("before") or {}, change.get("after") or {}
    names = change.get("fields") or sorted(before.keys() | after.keys())
    lines = []
    for name in names:
        old, new = _values(before.get(name)), _values(after.get(name))
        if change.get("change") == "amended" and (len(old) > 1 or len(new) > 1):
            old_forms = {typographic_form(v) for v in old}
            new_forms = {typographic_form(v) for v in new}
            gone = [v for v in old if typographic_form(v) not in new_forms]
            came = [v for v in new if typographic_form(v) not in old_forms]
            kept = len(old) - len(gone)
            note = f" ({kept:,} other{'' if kept == 1 else 's'} unchanged)" if kept else ""
            lines.append((name, "; ".join(gone) + note if gone else "none" + note,
                          "; ".join(came) + note if came else "none" + note))
        else:
            lines.append((name, "; ".join(old), "; ".join(new)))
    return {**change, "lines": lines}


def _values(value: Any) -> list[str]:
    """A change's value of one field as a list: one printed value, several, or none."""
    if value is None or value == "":
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def detail_view(record: dict[str, Any]) -> dict[str, Any]:
    """One record in full, each field beside the place in the document it was read from."""
    source = record.get("source") or {}
    cells = source.get("cells") or {}
    fields = record.get("fields") or {}
    shown = [(name, value, where_read(cells.get(name)))
             for name, value in fields.items() if name != "extra" and value not in (None, "")]
    shown += [(f"extra: {name}", value, where_read(cells.get(f"extra.{name}")))
              for name, value in (fields.get("extra") or {}).items()]
    return {
        "record_id": record["record_id"],
        "row": row_view(record),
        "fields": shown,
        "source": source,
        "pages": source.get("pages") or [],
        "purpose": record.get("purpose") or {},
        "warnings": record.get("warnings") or [],
        "entities": record.get("entities") or {},
    }


def where_read(cell: dict[str, Any] | None) -> str:
    """A cell's place in its document, as a reader finds it: sheet and row, page and box,
    or lines of a text dump."""
    if not cell:
        return ""
    parts = []
    if cell.get("sheet"):
        parts.append(f"sheet {cell['sheet']}")
    if cell.get("page"):
        parts.append(f"page {cell['page']}")
    lines = cell.get("lines")
    if lines:
        word = "row" if cell.get("sheet") else "line"
        first, last = lines[0], lines[-1]
        parts.append(f"{word} {first}" if first == last else f"{word}s {first}–{last}")
    if cell.get("bbox"):
        x0, y0, x1, y1 = (round(float(v)) for v in cell["bbox"])
        parts.append(f"box ({x0}, {y0})–({x1}, {y1}) pt")
    return ", ".join(parts)
