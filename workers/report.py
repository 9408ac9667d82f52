"""A register for people who do not read JSON: its figures, as one HTML page or Markdown.

``figures`` is one pure function over records (and, when known, the changes since the
last edition) giving every number the report shows; ``render_html`` and
``render_markdown`` only lay them out. The HTML page is self-contained: no script, no
font, no image, no style sheet fetched from anywhere (its Content-Security-Policy forbids
every request); its charts are inline SVG. So it can be mailed, archived and read offline,
and a figure on the page is a figure of ``figures``, which the tests check against counts
made on their own from the register.
"""

from __future__ import annotations

import html
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from workers.diff import record_agreement

Record = dict[str, Any]
Figures = dict[str, Any]
TOP = 20
LABELS = ("commercial", "research", "commissioning")
# The recipient's sector as the organisation entity gives it, in the words readers use.
SECTORS = {
    "nhs_commissioner": "NHS commissioners",
    "nhs_provider": "NHS providers",
    "local_authority": "Local authorities",
    "academic": "Universities",
    "central_government": "Government",
    "charity_or_research_body": "Charities and research bodies",
    "commercial": "Companies",
    "other": "Other",
}
UNKNOWN = "Not known"
NOT_STATED = "not stated"
_OPT_OUT_COLUMN = re.compile(r"opt[\s-]?outs?", re.IGNORECASE)
# Agreement numbers (the NIC scheme) name the agreement itself, not an approval it cites;
# so does a row's own reference of any scheme (PHE's ODR numbers).
_NOT_APPROVALS = frozenset({"NIC"})
COLOURS = {"commercial": "#b3261e", "research": "#1f5fa8", "commissioning": "#2e7d32",
           "unlabelled": "#9e9e9e"}


# figures


def figures(records: Iterable[Record], changes: list[dict[str, Any]] | None = None) -> Figures:
    """Every number of the report. A release is a record (a register row); an agreement,
    the rows of one reference (``workers.diff.record_agreement``); a recipient, an
    organisation name as printed (spacing collapsed)."""
    rows = [_row(record) for record in records]
    return {
        "releases": len(rows),
        "agreements": len({r["agreement"] for r in rows}),
        "recipients": len({r["recipient"] for r in rows if r["recipient"]}),
        "documents": _documents(rows),
        "sectors": _sectors(rows),
        "purposes": _count(r["purpose"] or "unlabelled" for r in rows),
        "purpose_by_sector": _purpose_by_sector(rows),
        "companies": _companies(rows),
        "top_recipients": _top_recipients(rows),
        "top_datasets": _by_value(rows, "datasets", TOP),
        "legal_bases": _by_value(rows, "legal_basis", TOP),
        "approval_schemes": _approval_schemes(rows),
        "top_approvals": _by_value(rows, "approvals", TOP),
        "data_provided": _count(r["data_provided"] for r in rows),
        "sensitivity": _count(r["sensitivity"] for r in rows),
        "frequency": _count(r["frequency"] for r in rows),
        "opt_outs": _opt_outs(rows),
        "flagged": _flagged(rows),
        "changes": _changes(changes) if changes is not None else None,
    }


def _row(record: Record) -> dict[str, Any]:
    """What the figures read of one record."""
    fields = record.get("fields") or {}
    entities = record.get("entities") or {}
    normalised = record.get("normalised") or {}
    purpose = record.get("purpose") or {}
    recipient = _printed(fields.get("organisation"))
    sector = next((o.get("sector") for o in entities.get("organisations") or []
                   if o.get("field") == "organisation" and o.get("sector")), None)
    cited = [a for a in entities.get("approval_references") or []
             if a.get("scheme") not in _NOT_APPROVALS and a.get("field") != "reference"]
    approvals = sorted({a.get("canonical") or a.get("text") for a in cited} - {None, ""})
    return {
        "agreement": record_agreement(record),
        "recipient": recipient,
        "sector": SECTORS.get(sector or "", UNKNOWN),
        "purpose": purpose.get("label"),
        "purpose_review": bool(purpose.get("needs_review")),
        "datasets": _printed(fields.get("data_type")),
        "legal_basis": _printed(fields.get("legal_basis")),
        "approvals": approvals,
        "schemes": sorted({a.get("scheme") for a in cited} - {None}),
        "data_provided": normalised.get("data_provided") or NOT_STATED,
        "sensitivity": normalised.get("sensitivity") or NOT_STATED,
        "frequency": normalised.get("frequency") or NOT_STATED,
        "opt_out": _opt_out(fields.get("extra")),
        "needs_review": bool(record.get("needs_review")),
        "warnings": list(record.get("warnings") or []),
        "document": ((record.get("source") or {}).get("filename"),
                     (record.get("source") or {}).get("layout")),
        "reference": _printed(fields.get("reference")),
        "scores": purpose.get("scores") or {},
    }


def _printed(value: Any) -> str | None:
    """Cell text with its spacing collapsed; None for no text."""
    if not isinstance(value, str):
        return None
    return " ".join(value.split()) or None


def _opt_out(extra: Any) -> str | None:
    """The register's own opt-out column, when it has one: its value, or ``NOT_STATED``."""
    if not isinstance(extra, dict):
        return None
    for name, value in extra.items():
        if _OPT_OUT_COLUMN.search(name):
            return _printed(value) or NOT_STATED
    return None


def _count(values: Iterable[str]) -> list[dict[str, Any]]:
    return [{"name": name, "releases": n} for name, n in _ranked(Counter(values))]


def _ranked(counter: Counter[str]) -> list[tuple[str, int]]:
    """Most first, then by name: the same order on every run."""
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))


def _documents(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    counts = Counter(r["document"] for r in rows)
    return [{"filename": f, "layout": layout, "releases": n}
            for (f, layout), n in sorted(counts.items(), key=lambda i: (str(i[0][0]), -i[1]))]


def _sectors(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        groups[r["sector"]].append(r)
    out = [{"name": name, "releases": len(members),
            "agreements": len({m["agreement"] for m in members}),
            "recipients": len({m["recipient"] for m in members if m["recipient"]})}
           for name, members in groups.items()]
    return sorted(out, key=lambda s: (-s["releases"], s["name"]))


def _purpose_by_sector(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    table: dict[str, Counter[str]] = defaultdict(Counter)
    for r in rows:
        table[r["sector"]][r["purpose"] or "unlabelled"] += 1
    out = [{"name": sector, **{k: counts[k] for k in (*LABELS, "unlabelled")}}
           for sector, counts in table.items()]
    return sorted(out, key=lambda s: (-sum(s[k] for k in (*LABELS, "unlabelled")), s["name"]))


def _companies(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every company that received data: how often, under how many agreements, and which
    datasets (the commonest first)."""
    return _recipients([r for r in rows if r["sector"] == SECTORS["commercial"]], None)


def _top_recipients(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return _recipients(rows, TOP)


def _recipients(rows: list[dict[str, Any]], limit: int | None) -> list[dict[str, Any]]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        if r["recipient"]:
            groups[r["recipient"]].append(r)
    out = []
    for name, members in groups.items():
        datasets = Counter(m["datasets"] for m in members if m["datasets"])
        out.append({
            "name": name,
            "sector": Counter(m["sector"] for m in members).most_common(1)[0][0],
            "releases": len(members),
            "agreements": len({m["agreement"] for m in members}),
            "datasets": [d for d, _ in _ranked(datasets)],
            "purposes": dict(_ranked(Counter(m["purpose"] or "unlabelled" for m in members))),
        })
    out.sort(key=lambda c: (-c["releases"], c["name"]))
    return out[:limit] if limit else out


def _by_value(rows: list[dict[str, Any]], key: str, limit: int) -> list[dict[str, Any]]:
    """Releases and agreements per value of a row's key (a list's every item counts)."""
    releases: Counter[str] = Counter()
    agreements: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        values = r[key] if isinstance(r[key], list) else [r[key]] if r[key] else []
        for value in values:
            releases[value] += 1
            agreements[value].add(r["agreement"])
    return [{"name": name, "releases": n, "agreements": len(agreements[name])}
            for name, n in _ranked(releases)[:limit]]


def _approval_schemes(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = _by_value(rows, "schemes", 50)
    cited = {r["agreement"] for r in rows if r["schemes"]}
    none = len({r["agreement"] for r in rows} - cited)
    return [*out, {"name": "none cited", "releases": sum(1 for r in rows if not r["schemes"]),
                   "agreements": none}]


def _opt_outs(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Patient opt-outs as the register states them (only registers with the column)."""
    stated = [r["opt_out"] for r in rows if r["opt_out"] is not None]
    def first_word(text: str) -> str:
        return text.split(" ", 1)[0].strip(" -–:").casefold()
    return {
        "releases_with_column": len(stated),
        "applied": sum(1 for s in stated if first_word(s) == "yes"),
        "not_applied": sum(1 for s in stated if first_word(s) == "no"),
        "values": _count(stated),
    }


def _flagged(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """What needs review and why: the purpose model unsure, or a reader's warning."""
    flagged = [r for r in rows if r["needs_review"]]
    reasons: Counter[str] = Counter()
    for r in flagged:
        if r["purpose_review"]:
            reasons["the purpose model is unsure"] += 1
        for warning in r["warnings"]:
            reasons[_warning_kind(warning)] += 1
    examples = [{"recipient": r["recipient"], "reference": r["reference"],
                 "purpose": r["purpose"], "score": max(r["scores"].values(), default=None),
                 "warnings": r["warnings"]} for r in flagged[:TOP]]
    return {"releases": len(flagged),
            "agreements": len({r["agreement"] for r in flagged}),
            "reasons": [{"name": n, "releases": c} for n, c in _ranked(reasons)],
            "examples": examples}


def _warning_kind(warning: str) -> str:
    """A warning without its particulars (row numbers, field names), so like ones count
    together."""
    return re.sub(r"\d+(?:-\d+)?", "N", warning)[:120]


def _changes(changes: list[dict[str, Any]]) -> dict[str, Any]:
    kinds = Counter(c["change"] for c in changes)
    amended = Counter(f for c in changes if c["change"] == "amended" for f in c["fields"])
    return {
        "added": kinds["added"], "removed": kinds["removed"], "amended": kinds["amended"],
        "fields": [{"name": n, "agreements": k} for n, k in _ranked(amended)],
        "list": [{k: c.get(k) for k in ("change", "agreement", "organisation", "fields")}
                 for c in changes],
    }


# HTML


def render_html(numbers: Figures, title: str = "Data release register") -> str:
    parts = [_head(title), f"<h1>{_e(title)}</h1>", _overview(numbers)]
    for section in (_since_html, _sectors_html, _purposes_html, _companies_html,
                    _recipients_html, _datasets_html, _legal_html, _identifiable_html,
                    _opt_outs_html, _flagged_html, _documents_html):
        parts.append(section(numbers))
    return "\n".join(p for p in parts if p) + "\n</main>\n</body>\n</html>\n"


_STYLE = """
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1b1b;
margin:0;background:#fafafa}
main{max-width:960px;margin:0 auto;padding:1rem 1.25rem 3rem;background:#fff}
h1{font-size:1.8rem;margin:.5rem 0}h2{margin-top:2.2rem;border-bottom:2px solid #ddd}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem;font-size:.92rem}
th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #e4e4e4;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.big{display:flex;flex-wrap:wrap;gap:1rem;margin:1rem 0}
.big div{background:#f1f4f8;padding:.6rem 1rem;border-radius:6px}
.big b{display:block;font-size:1.6rem}
svg text{font:13px system-ui,sans-serif}.note{color:#555;font-size:.9rem}
.key span{display:inline-block;margin-right:1rem}.key i{display:inline-block;width:.8rem;
height:.8rem;margin-right:.3rem;vertical-align:middle}
"""


def _head(title: str) -> str:
    # default-src 'none': the page may fetch nothing at all, whatever a register's text holds.
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n<main>"
    )


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _n(value: int) -> str:
    return f"{value:,}"


def _overview(f: Figures) -> str:
    flagged = f["flagged"]["releases"]
    boxes = [("releases (register rows)", f["releases"]), ("agreements", f["agreements"]),
             ("recipients", f["recipients"]), ("flagged for review", flagged)]
    cells = "".join(f'<div><b id="fig-{_slug(label)}">{_n(v)}</b>{_e(label)}</div>'
                    for label, v in boxes)
    return f'<p class="note">What this register says, counted from its rows.</p><div class="big">{cells}</div>'


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")


def _table(header: list[str], rows: list[list[Any]], numeric: set[int] | None = None,
           table_id: str = "") -> str:
    numeric = numeric or set()
    head = "".join(f'<th scope="col"{" class=n" if i in numeric else ""}>{_e(h)}</th>'
                   for i, h in enumerate(header))
    body = "".join(
        "<tr>" + "".join(
            f'<td class="n">{_n(v)}</td>' if i in numeric and isinstance(v, int)
            else f"<td>{_e(v)}</td>" for i, v in enumerate(row)) + "</tr>"
        for row in rows)
    ident = f' id="{table_id}"' if table_id else ""
    return f"<table{ident}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def bar_chart(items: list[tuple[str, int]], label: str, width: int = 900) -> str:
    """Horizontal bars as inline SVG, each labelled with its name and number."""
    if not items:
        return ""
    bar, gap, name_w = 18, 6, 300
    top = max(v for _, v in items) or 1
    height = len(items) * (bar + gap) + gap
    room = width - name_w - 70
    bars = []
    for i, (name, value) in enumerate(items):
        y = gap + i * (bar + gap)
        w = max(1, round(room * value / top)) if value else 0
        short = name if len(name) <= 42 else name[:40] + "…"
        bars.append(
            f'<text x="{name_w - 6}" y="{y + 13}" text-anchor="end">{_e(short)}</text>'
            f'<rect x="{name_w}" y="{y}" width="{w}" height="{bar}" fill="#1f5fa8"/>'
            f'<text x="{name_w + w + 4}" y="{y + 13}">{_n(value)}</text>')
    return (f'<svg role="img" aria-label="{_e(label)}" viewBox="0 0 {width} {height}" '
            f'width="100%" xmlns="http://www.w3.org/2000/svg"><title>{_e(label)}</title>'
            + "".join(bars) + "</svg>")


def stacked_chart(rows: list[dict[str, Any]], keys: tuple[str, ...], label: str,
                  width: int = 900) -> str:
    """One bar per row, split by ``keys`` in their colours, as shares of the row."""
    if not rows:
        return ""
    bar, gap, name_w = 18, 6, 300
    height = len(rows) * (bar + gap) + gap
    room = width - name_w - 10
    parts = []
    for i, row in enumerate(rows):
        y = gap + i * (bar + gap)
        total = sum(row[k] for k in keys) or 1
        parts.append(f'<text x="{name_w - 6}" y="{y + 13}" text-anchor="end">{_e(row["name"])}</text>')
        x = float(name_w)
        for k in keys:
            w = room * row[k] / total
            if w:
                parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar}" '
                             f'fill="{COLOURS[k]}"><title>{_e(k)}: {_n(row[k])}</title></rect>')
            x += w
    key = "".join(f'<span><i style="background:{COLOURS[k]}"></i>{_e(k)}</span>' for k in keys)
    return (f'<p class="key">{key}</p><svg role="img" aria-label="{_e(label)}" '
            f'viewBox="0 0 {width} {height}" width="100%" xmlns="http://www.w3.org/2000/svg">'
            f"<title>{_e(label)}</title>" + "".join(parts) + "</svg>")


def _section(title: str, *body: str) -> str:
    return f'<section id="{_slug(title)}"><h2>{_e(title)}</h2>' + "".join(body) + "</section>"


def _since_html(f: Figures) -> str:
    c = f["changes"]
    if c is None:
        return ""
    if not c["list"]:
        return _section("Since the last edition", "<p>No agreement changed.</p>")
    summary = (f'<p><b id="changes-added">{_n(c["added"])}</b> {_agreements(c["added"])} added, '
               f'<b id="changes-removed">{_n(c["removed"])}</b> removed, '
               f'<b id="changes-amended">{_n(c["amended"])}</b> amended.</p>')
    fields = _table(["field amended", "agreements"], [[x["name"], x["agreements"]]
                                                       for x in c["fields"]], {1})
    rows = [[x["change"], x["agreement"], x["organisation"], ", ".join(x["fields"])]
            for x in c["list"]]
    return _section("Since the last edition", summary, fields,
                    _table(["change", "agreement", "recipient", "fields"], rows,
                           table_id="changes"))


def _sectors_html(f: Figures) -> str:
    rows = [[s["name"], s["releases"], s["agreements"], s["recipients"]] for s in f["sectors"]]
    chart = bar_chart([(s["name"], s["releases"]) for s in f["sectors"]], "releases by sector")
    return _section("To whom, by sector", chart,
                    _table(["sector", "releases", "agreements", "recipients"], rows, {1, 2, 3},
                           "sectors"),
                    '<p class="note">The recipient\'s sector as drr\'s organisation entity '
                    "gives it; <i>Not known</i> when it could not tell.</p>")


def _purposes_html(f: Figures) -> str:
    keys = (*LABELS, "unlabelled")
    used = tuple(k for k in keys if any(r[k] for r in f["purpose_by_sector"]))
    rows = [[r["name"], *[r[k] for k in used]] for r in f["purpose_by_sector"]]
    totals = _table(["purpose", "releases"], [[p["name"], p["releases"]] for p in f["purposes"]],
                    {1}, "purposes")
    return _section("Purposes by sector", totals,
                    stacked_chart(f["purpose_by_sector"], used, "purposes by sector"),
                    _table(["sector", *used], rows, set(range(1, len(used) + 1)),
                           "purpose-by-sector"),
                    '<p class="note">Purposes as drr\'s purpose model (or a reviewer) labelled '
                    "them.</p>")


def _companies_html(f: Figures) -> str:
    rows = [[c["name"], c["releases"], c["agreements"], _datasets_listed(c["datasets"])]
            for c in f["companies"]]
    if not rows:
        return _section("Companies", "<p>No recipient is a company.</p>")
    return _section("Companies", _table(["company", "releases", "agreements", "datasets"], rows,
                                        {1, 2}, "companies"))


def _recipients_html(f: Figures) -> str:
    rows = [[r["name"], r["sector"], r["releases"], r["agreements"]] for r in f["top_recipients"]]
    chart = bar_chart([(r["name"], r["releases"]) for r in f["top_recipients"]],
                      "top recipients by releases")
    return _section("Top recipients", chart, _table(["recipient", "sector", "releases",
                                                     "agreements"], rows, {2, 3}, "recipients"))


def _datasets_html(f: Figures) -> str:
    rows = [[d["name"], d["releases"], d["agreements"]] for d in f["top_datasets"]]
    return _section("Datasets", _table(["dataset as printed", "releases", "agreements"], rows,
                                       {1, 2}, "datasets"))


def _legal_html(f: Figures) -> str:
    legal = [[x["name"], x["releases"], x["agreements"]] for x in f["legal_bases"]]
    schemes = [[x["name"], x["releases"], x["agreements"]] for x in f["approval_schemes"]]
    approvals = [[x["name"], x["releases"], x["agreements"]] for x in f["top_approvals"]]
    return _section(
        "Legal bases and approvals",
        _table(["legal basis as printed", "releases", "agreements"], legal, {1, 2}, "legal-bases"),
        "<h3>Approval references cited</h3>",
        _table(["scheme", "releases", "agreements"], schemes, {1, 2}, "approval-schemes"),
        _table(["approval reference", "releases", "agreements"], approvals, {1, 2},
               "approvals"))


def _identifiable_html(f: Figures) -> str:
    return _section(
        "Identifiable or anonymised",
        bar_chart([(x["name"], x["releases"]) for x in f["data_provided"]], "data provided"),
        _table(["data provided", "releases"], [[x["name"], x["releases"]]
                                               for x in f["data_provided"]], {1}, "data-provided"),
        _table(["sensitivity", "releases"], [[x["name"], x["releases"]]
                                             for x in f["sensitivity"]], {1}, "sensitivity"),
        _table(["frequency", "releases"], [[x["name"], x["releases"]]
                                           for x in f["frequency"]], {1}, "frequency"))


def _opt_outs_html(f: Figures) -> str:
    o = f["opt_outs"]
    if not o["releases_with_column"]:
        return _section("Patient opt-outs", "<p>This register does not say whether patient "
                        "opt-outs were applied.</p>")
    summary = (f'<p>Applied to <b id="opt-outs-applied">{_n(o["applied"])}</b> releases, not '
               f'applied to <b id="opt-outs-not-applied">{_n(o["not_applied"])}</b>, of '
               f'{_n(o["releases_with_column"])} for which the register says.</p>')
    rows = [[x["name"], x["releases"]] for x in o["values"]]
    return _section("Patient opt-outs", summary,
                    _table(["as the register states it", "releases"], rows, {1}, "opt-outs"))


def _flagged_html(f: Figures) -> str:
    g = f["flagged"]
    reasons = [[x["name"], x["releases"]] for x in g["reasons"]]
    examples = [[x["recipient"], x["reference"], x["purpose"],
                 "" if x["score"] is None else f'{x["score"]:.2f}', "; ".join(x["warnings"])]
                for x in g["examples"]]
    body = [(f'<p><b id="flagged-releases">{_n(g["releases"])}</b> releases '
             f'({_n(g["agreements"])} agreements) are flagged for review.</p>'),
            _table(["why", "releases"], reasons, {1}, "flag-reasons")]
    if examples:
        body.append(_table(["recipient", "reference", "purpose", "score", "warnings"],
                           examples, table_id="flagged"))
    return _section("Flagged for review", *body)


def _documents_html(f: Figures) -> str:
    rows = [[d["filename"], d["layout"], d["releases"]] for d in f["documents"]]
    return _section("Sources", _table(["document", "layout", "releases"], rows, {2},
                                      "documents"))


def _agreements(count: int) -> str:
    return "agreement" if count == 1 else "agreements"


def _datasets_listed(datasets: list[str], shown: int = 6) -> str:
    """A company's first datasets, and how many more it had: a list cut short says so."""
    rest = len(datasets) - shown
    return "; ".join(datasets[:shown]) + (f" … and {rest:,} more" if rest > 0 else "")


# Markdown


def render_markdown(numbers: Figures, title: str = "Data release register") -> str:
    f = numbers
    out = [f"# {_md(title)}", "",
           f"- releases (register rows): {_n(f['releases'])}",
           f"- agreements: {_n(f['agreements'])}",
           f"- recipients: {_n(f['recipients'])}",
           f"- flagged for review: {_n(f['flagged']['releases'])}", ""]
    c = f["changes"]
    if c is not None:
        out += ["## Since the last edition", "",
                (f"{_n(c['added'])} {_agreements(c['added'])} added, {_n(c['removed'])} removed, "
                 f"{_n(c['amended'])} amended."), "",
                *_md_table(["change", "agreement", "recipient", "fields"],
                           [[x["change"], x["agreement"], x["organisation"],
                             ", ".join(x["fields"])] for x in c["list"]])]
    sections = [
        ("To whom, by sector", ["sector", "releases", "agreements", "recipients"],
         [[s["name"], s["releases"], s["agreements"], s["recipients"]] for s in f["sectors"]]),
        ("Purposes by sector", ["sector", *LABELS, "unlabelled"],
         [[r["name"], *[r[k] for k in (*LABELS, "unlabelled")]] for r in f["purpose_by_sector"]]),
        ("Companies", ["company", "releases", "agreements", "datasets"],
         [[x["name"], x["releases"], x["agreements"], _datasets_listed(x["datasets"])]
          for x in f["companies"]]),
        ("Top recipients", ["recipient", "sector", "releases", "agreements"],
         [[x["name"], x["sector"], x["releases"], x["agreements"]] for x in f["top_recipients"]]),
        ("Datasets", ["dataset as printed", "releases", "agreements"],
         [[x["name"], x["releases"], x["agreements"]] for x in f["top_datasets"]]),
        ("Legal bases", ["legal basis as printed", "releases", "agreements"],
         [[x["name"], x["releases"], x["agreements"]] for x in f["legal_bases"]]),
        ("Approval references cited", ["scheme", "releases", "agreements"],
         [[x["name"], x["releases"], x["agreements"]] for x in f["approval_schemes"]]),
        ("Identifiable or anonymised", ["data provided", "releases"],
         [[x["name"], x["releases"]] for x in f["data_provided"]]),
        ("Patient opt-outs", ["as the register states it", "releases"],
         [[x["name"], x["releases"]] for x in f["opt_outs"]["values"]]),
        ("Flagged for review", ["why", "releases"],
         [[x["name"], x["releases"]] for x in f["flagged"]["reasons"]]),
        ("Sources", ["document", "layout", "releases"],
         [[d["filename"], d["layout"], d["releases"]] for d in f["documents"]]),
    ]
    for heading, header, rows in sections:
        if heading == "Patient opt-outs":
            out += [f"## {heading}", "", *_opt_outs_md(f["opt_outs"], header, rows)]
            continue
        out += [f"## {heading}", "", *(_md_table(header, rows) if rows else ["(none)", ""])]
    return "\n".join(out)


def _opt_outs_md(o: dict[str, Any], header: list[str], rows: list[list[Any]]) -> list[str]:
    """As the HTML says it: "(none)" would read as "no opt-out applied"."""
    if not o["releases_with_column"]:
        return ["This register does not say whether patient opt-outs were applied.", ""]
    said = (f"Applied to {_n(o['applied'])} releases, not applied to {_n(o['not_applied'])}, "
            f"of {_n(o['releases_with_column'])} for which the register says.")
    return [said, "", *_md_table(header, rows)]


def _md(value: Any) -> str:
    text = "" if value is None else f"{value:,}" if isinstance(value, int) else str(value)
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _md_table(header: list[str], rows: list[list[Any]]) -> list[str]:
    return ["| " + " | ".join(_md(h) for h in header) + " |",
            "| " + " | ".join("---" for _ in header) + " |",
            *("| " + " | ".join(_md(v) for v in row) + " |" for row in rows), ""]
