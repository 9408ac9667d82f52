"""Reformatted register pages: one organisation's page, one record per project on it.

medConfidential republishes the NHS Digital / NHS England release registers as one page per
recipient ("NHS Digital Data Release Register - reformatted", also mirrored as "Good TREs
work"). A page is a header ("<Org> projects"), some organisation-wide notes, then one block
per project: a heading "<title> — DARS-NIC-…" (or "Project N — …"), "Label: value" lines,
a numbered or bulleted dataset list, and prose sections (Objectives, Benefits, Outputs…).
Three generations of the page exist and are told apart per project by their labels:

- ``reformatted-page-2019``: Type of data, Opt outs honoured, Legal basis, Purposes,
  Sensitive, When (DSA runs …), Access method, Data-controller type, Sublicensing allowed.
- ``reformatted-page-2017``: Opt outs honoured, Sensitive, When, Repeats, Legal basis,
  Categories, Datasets (• bullets).
- ``reformatted-page-2016``: no heading; Basis, Format, How often, When, "HSCIC Id:" and one
  "Data:" line per dataset, then "Project info" with Objective / Output.

The chain: ``text_lines`` / ``html_lines`` → ``split_page`` (preamble + project blocks) →
``project_sections`` (labelled sections) → ``project_row`` (record fields). Pages as stored
are often cut off mid-project; such a project still gives a record, flagged for review.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser
from types import MappingProxyType

from extract.errors import UnknownLayout
from extract.layout import Layout, load_layout
from extract.record import CellSpan, Fields, Row
from extract.text import join_lines

__all__ = ["html_lines", "looks_like_register_page", "read_register_html", "read_register_page"]

MAX_HEADING = 1000  # characters; titles run to ~300, prose paragraphs to thousands


@dataclass(frozen=True)
class PageWords:
    """The labels a page layout uses (``extract/layouts/reformatted-page.json``), lower case:
    what kind of section each label opens, which labels are record fields as printed, and
    which labels mark each generation of the page."""

    site_titles: tuple[str, ...]
    field_labels: frozenset[str]
    list_labels: frozenset[str]
    prose_labels: frozenset[str]
    objective_labels: frozenset[str]
    benefit_labels: frozenset[str]
    simple_fields: MappingProxyType[str, str]
    generations: tuple[tuple[str, frozenset[str]], ...]  # in order; the last is the default
    known_labels: frozenset[str] = frozenset()  # every label above: each line of a check asks

    def __post_init__(self) -> None:
        known = self.field_labels | self.list_labels | self.prose_labels
        object.__setattr__(self, "known_labels", known)


@cache
def page_words(layout: Layout) -> PageWords:
    """The layout's labels, as the page reader asks them (built once per layout)."""
    generations = layout.table("generations")
    return PageWords(
        site_titles=layout.words("site_titles"),
        field_labels=frozenset(layout.words("field_labels")),
        list_labels=frozenset(layout.words("list_labels")),
        prose_labels=frozenset(layout.words("prose_labels")),
        objective_labels=frozenset(layout.words("objective_labels")),
        benefit_labels=frozenset(layout.words("benefit_labels")),
        simple_fields=MappingProxyType(dict(layout.table("simple_fields"))),
        generations=tuple((name, frozenset(marks)) for name, marks in generations.items()),
    )


PAGE_LAYOUT = load_layout("reformatted-page")

_DASH = "[—–]"
_NIC = r"(?:DARS-)?NIC-\d+-[A-Z0-9]+(?:-v\d+(?:\.\d+)*)?"
_NIC_REF = re.compile(rf"^{_NIC}$")
# Some copies print a plain hyphen before the reference; a NIC number makes that safe, where
# a bare "… - X" would split ordinary titles.
_HEADING_NIC = re.compile(rf"^(?P<title>.*\S)\s+[—–-]\s+(?P<ref>{_NIC})$")
_HEADING_NUMBERED = re.compile(rf"^Project (?P<number>\d+)\s+{_DASH}\s*(?P<ref>.*)$")
_HEADING_ANY = re.compile(rf"^(?P<title>.*\S)\s+{_DASH}\s+(?P<ref>\S.*)$")
_CUT_NIC = re.compile(r"^(?:DARS-?|(?:DARS-)?NIC-?[\w-]*|D|DA|DAR|N|NI)$")
_LABEL = re.compile(r"^(?P<label>[A-Za-z][A-Za-z /&'’()-]{0,39}?)\s*:(?!//)\s*(?P<value>.*)$")
_LIST_ITEM = re.compile(r"^\s*(?:\d+[.)]|[•·▪◦*]|[-–](?=\s|$))\s*(?P<item>.*)$")
_URL = re.compile(r"^https?://\S+$")
_UNSAFE = re.compile(r"^(?P<count>[\d,]+) data files in total were disseminated unsafely")
_FLAG = "🚩"
_FOOTER = re.compile(r"^Source: NHS (?:Digital|England)\.?$")
_PAGE_END = re.compile(r"[.!?\"'’”]$")
_DATE = r"(?:\d{4}[-./]\d{1,2}(?:[-./]\d{1,2})?|(?:\d{1,2}/){1,2}\d{4}|unknown)"
_DSA = re.compile(rf"DSA runs\s+(?P<start>{_DATE})?(?:\s+[—–-]\s*(?P<end>{_DATE})?)?")
_YES_NO = r"(?:Yes|No|Y|N)(?:,\s*(?:Yes|No|Y|N))*"
_PURPOSES = re.compile(rf"^(?P<flag>{_YES_NO})?\s*(?:\((?P<type>.*)\))?$")
_FLAG_WORDS = re.compile(rf"^{_YES_NO}\b")
_PARENS = re.compile(r"\([^()]*\)")
_IDENTIFIABILITY = re.compile(
    r"^(?:Identifiable|Pseudonymised|Anonymised|Anonymous|Aggregated|De-identified)\b"
)
_NOTE = re.compile(r"\s*\(note:[^()]*\)\s*$", re.IGNORECASE)
_SENSITIVITY_SUFFIX = re.compile(r"^(?P<provided>.*?)\s*(?P<sens>Non[- ]?Sensitive|Sensitive)$")


@dataclass(frozen=True)
class Line:
    number: int  # 1-based line of the source (text or HTML) the line came from
    text: str


@dataclass(frozen=True)
class Heading:
    line: Line
    title: str | None
    reference: str | None
    number: str | None = None
    cut: bool = False  # the page ends inside the heading: the reference is incomplete


@dataclass
class Section:
    label: str  # as printed on the page, e.g. "Opt outs honoured"
    kind: str  # "field" | "list" | "prose"
    lines: list[Line] = field(default_factory=list)
    implicit: bool = False  # the page dropped this section's heading; its name is inferred

    @property
    def key(self) -> str:
        return self.label.lower()

    @property
    def span(self) -> tuple[int, int]:
        return (self.lines[0].number, self.lines[-1].number)

    def text(self) -> str:
        return join_lines([line.text for line in self.lines])


@dataclass
class Block:
    heading: Heading | None
    lines: list[Line]


@dataclass
class Preamble:
    organisation: Line | None
    extra: dict[str, str]
    cells: dict[str, CellSpan]


# ---------------------------------------------------------------- entry points


def looks_like_register_page(text: str, layout: Layout = PAGE_LAYOUT) -> bool:
    """A reformatted page: its site title, or a project heading / HSCIC Id with field labels.

    Register text dumps have no "Label: value" lines and CSVs start lines with cell values,
    so neither reaches the two field labels this asks for.
    """
    words = page_words(layout)
    head = text[:200_000]
    return _may_be_page(head, words) and _looks_like_page(text_lines(head), words)


def _may_be_page(text: str, words: PageWords) -> bool:
    """What `_looks_like_page` asks first, on the bare text: its site title, or two field
    labels. Most documents checked are not pages and fail here, before their lines are
    made into `Line`s."""
    lowered = text.lower()
    if any(title in lowered for title in words.site_titles):
        return True
    raw = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return (
        sum(1 for line in raw if ":" in line and _known_label(line, words) in words.field_labels)
        >= 2
    )


def _looks_like_page(all_lines: list[Line], words: PageWords) -> bool:
    lines = [line for line in all_lines if line.text.strip()]
    if any(_is_site_title(line.text, words) for line in lines[:5]):
        return True
    labels = sum(1 for line in lines if _known_label(line.text, words) in words.field_labels)
    if labels < 2:
        return False
    has_id = any(_known_label(line.text, words) == "hscic id" for line in lines)
    return has_id or any(_heading_at(lines, i, words) for i in range(len(lines)))


def read_register_page(text: str, layout: Layout = PAGE_LAYOUT) -> list[Row]:
    """One row per project of a reformatted register page given as plain text."""
    words = page_words(layout)
    return read_lines(text_lines(text), words)


def read_register_html(html: str, layout: Layout = PAGE_LAYOUT) -> list[Row]:
    """One row per project of a reformatted register page given as the website's HTML.

    A document that reaches ``</html>`` was served whole, whatever its last sentence. Other
    HTML (a register table saved as a web page, any web page) is refused with a reason
    rather than read as no projects.
    """
    words = page_words(layout)
    lines = html_lines(html)
    if not _looks_like_page(lines, words):
        raise UnknownLayout(
            "HTML that is not a reformatted register page: no site title, project headings "
            "or register field labels ('Legal basis:', 'Sensitive:' …)"
        )
    return read_lines(lines, words, whole="</html>" in html[-4096:].lower())


def read_lines(lines: list[Line], words: PageWords, whole: bool = False) -> list[Row]:
    lines, complete = _strip_footer(lines)
    complete = complete or whole
    preamble_lines, blocks = split_page(lines, words)
    preamble = read_preamble(preamble_lines, words)
    rows = [project_row(block, preamble, words) for block in blocks]
    _inherit_layouts(rows, blocks, words)
    if blocks and not (complete and _ends_cleanly(blocks[-1], words)):
        _mark_truncated(rows[-1], blocks[-1], words)
    return rows


# ---------------------------------------------------------------- lines


def text_lines(text: str) -> list[Line]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return [Line(number, raw.rstrip()) for number, raw in enumerate(text.split("\n"), start=1)]


_HTML_BLOCKS = frozenset(
    {
        "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "section", "article",
        "header", "footer", "main", "dt", "dd", "blockquote", "pre", "table", "ul", "ol",
        "br", "hr", "body",
    }
)  # fmt: skip
_HTML_NO_GAP = frozenset({"li", "br"})  # list items and line breaks stay on consecutive lines
_HTML_SKIP = frozenset({"script", "style", "head", "nav", "noscript", "template", "svg", "footer"})
_HTML_LABEL_CELLS = frozenset({"dt", "th"})  # "<dt>Legal basis</dt><dd>…" reads as a label


class _PageText(HTMLParser):
    """HTML to the same lines the pages have as text: a block a line, a blank between blocks,
    list items as "  1. item" (ordered) or "  • item", so one parser reads both."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[Line] = []
        self._buf: list[str] = []
        self._start = 0
        self._skip = 0
        self._lists: list[list[int]] = []  # per open list: [ordered?, items so far]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HTML_SKIP:
            self._skip += 1
        if self._skip:
            return
        if tag in _HTML_BLOCKS and tag != "dd":  # a <dd> continues its <dt>'s line
            self._flush(gap=tag not in _HTML_NO_GAP)
        if tag in ("ol", "ul"):
            self._lists.append([tag == "ol", 0])
        elif tag == "li":
            self._start_item()

    def handle_endtag(self, tag: str) -> None:
        if tag in _HTML_SKIP:
            self._skip = max(0, self._skip - 1)
            return
        if self._skip:
            return
        if tag in _HTML_LABEL_CELLS and "".join(self._buf).strip():
            self._buf.append("" if "".join(self._buf).rstrip().endswith(":") else ":")
            self._buf.append(" ")
            if tag == "dt":
                return  # the <dd> that follows continues this line
        if tag in _HTML_BLOCKS:
            self._flush(gap=tag not in _HTML_NO_GAP)
        if tag in ("ol", "ul") and self._lists:
            self._lists.pop()

    def handle_data(self, data: str) -> None:
        if self._skip or (not data.strip() and not self._buf):  # no line starts blank
            return
        if not self._buf:
            self._start = self.getpos()[0]
        self._buf.append(data)

    def close(self) -> None:
        super().close()
        self._flush(gap=False)

    def _start_item(self) -> None:
        if not self._lists:
            self._buf, self._start = ["  • "], self.getpos()[0]
            return
        self._lists[-1][1] += 1
        ordered, count = self._lists[-1]
        self._buf, self._start = [f"  {count}. " if ordered else "  • "], self.getpos()[0]

    def _flush(self, gap: bool) -> None:
        text = re.sub(r"\s+", " ", "".join(self._buf)).strip()
        indent = "  " if self._buf and self._buf[0].startswith("  ") else ""
        if text:
            self.lines.append(Line(self._start, indent + text))
        if gap and self.lines and self.lines[-1].text:
            self.lines.append(Line(self.lines[-1].number, ""))
        self._buf = []


def html_lines(html: str) -> list[Line]:
    parser = _PageText()
    parser.feed(html)
    parser.close()
    return parser.lines


def _strip_footer(lines: list[Line]) -> tuple[list[Line], bool]:
    """Drop the site footer; a page that still has its footer was not cut off."""
    footer = [n for n, line in enumerate(lines) if _FOOTER.match(line.text.strip())]
    if footer:
        return lines[: footer[-1]], True
    content = [line for line in lines if line.text.strip()]
    return lines, not content or bool(_PAGE_END.search(content[-1].text.strip()))


# ---------------------------------------------------------------- page → blocks


def split_page(lines: list[Line], words: PageWords) -> tuple[list[Line], list[Block]]:
    """The lines before the first project, and one block per project."""
    starts: list[tuple[int, Heading | None]] = [
        (i, h) for i in range(len(lines)) if (h := _heading_at(lines, i, words))
    ]
    if not starts:
        starts = [(i, None) for i in _headingless_starts(lines, words)]
    if not starts:
        return lines, []
    blocks = []
    for n, (i, heading) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else len(lines)
        body = lines[i + 1 : end] if heading else lines[i:end]
        blocks.append(Block(heading, body))
    return lines[: starts[0][0]], blocks


def _heading_at(lines: list[Line], i: int, words: PageWords) -> Heading | None:
    """The project heading on line i, if it is one.

    "Project N — …" and "<title> — DARS-NIC-…" when labels or a list follow them or the page
    ends there (so prose that happens to end in a NIC number is not one); any other "… — X"
    only when a project field label follows it, or when the page ends on a cut-off NIC number.
    """
    text = lines[i].text.strip()
    if len(text) > MAX_HEADING or not ("—" in text or "–" in text or " - " in text):
        return None  # cheap test first: every line of a long page comes through here
    if _known_label(text, words):
        return None
    numbered = _HEADING_NUMBERED.match(text)
    nic = _HEADING_NIC.match(text)
    following = _next_text(lines, i)
    opens = bool(_known_label(following, words) or _LIST_ITEM.match(following) or not following)
    if numbered and opens:
        ref = numbered["ref"].strip() or None
        return Heading(lines[i], None, ref, numbered["number"], cut=_is_cut(lines, i, ref))
    if nic and opens:
        return Heading(lines[i], nic["title"], nic["ref"])
    loose = _HEADING_ANY.match(text)
    if not loose:
        return None
    if _known_label(following, words) in words.field_labels:
        return Heading(lines[i], loose["title"], loose["ref"])
    if not following and _CUT_NIC.match(loose["ref"]):
        return Heading(lines[i], loose["title"], loose["ref"], cut=True)
    return None


def _is_cut(lines: list[Line], i: int, ref: str | None) -> bool:
    last = _next_text(lines, i) == ""
    return last and (ref is None or (not _NIC_REF.match(ref) and bool(_CUT_NIC.match(ref))))


def _next_text(lines: list[Line], i: int) -> str:
    """The next line with text, passing over the site's 🚩 notes between heading and fields."""
    texts = (lines[n].text.strip() for n in range(i + 1, len(lines)))
    return next((text for text in texts if text and not text.startswith(_FLAG)), "")


def _headingless_starts(lines: list[Line], words: PageWords) -> list[int]:
    """2016 pages have no headings: each project starts with the page's first field label."""
    first = next(
        (i for i, line in enumerate(lines) if _known_label(line.text, words) in words.field_labels),
        None,
    )
    if first is None:
        return []
    label = _known_label(lines[first].text, words)
    return [i for i in range(first, len(lines)) if _known_label(lines[i].text, words) == label]


def read_preamble(lines: list[Line], words: PageWords) -> Preamble:
    """The organisation and the notes the site prints once for all its projects."""
    extra: dict[str, str] = {}
    cells: dict[str, CellSpan] = {}
    candidates = []
    for line in lines:
        text = line.text.strip()
        if unsafe := _UNSAFE.match(text):
            extra["data files disseminated unsafely"] = unsafe["count"]
            cells["extra.data files disseminated unsafely"] = _span(line, line)
        elif text.startswith(_FLAG):
            extra["flag"] = " ".join(filter(None, [extra.get("flag"), text[len(_FLAG) :].strip()]))
            cells["extra.flag"] = _span(line, line)
        elif text and not _URL.match(text) and not _is_site_title(text, words):
            candidates.append(line)
    return Preamble(_organisation_line(candidates), extra, cells)


def _organisation_line(candidates: list[Line]) -> Line | None:
    """The "<Org> projects" header, else the page title (the last plain line before projects)."""
    titled = [line for line in candidates if line.text.strip().endswith(" projects")]
    if titled:
        return titled[0]
    plain = [line for line in candidates if not _LIST_ITEM.match(line.text)]
    return plain[-1] if plain else None


def _is_site_title(text: str, words: PageWords) -> bool:
    return any(title in text.lower() for title in words.site_titles)


# ---------------------------------------------------------------- block → sections


def _known_label(text: str, words: PageWords) -> str | None:
    match = _LABEL.match(text.strip())
    if not match:
        return None
    key = match["label"].strip().lower()
    return key if key in words.known_labels else None


def project_sections(lines: list[Line], words: PageWords) -> list[Section]:
    """A project's lines as labelled sections, in page order.

    Until the first prose section every "Label: value" line is a field (unknown labels too,
    for ``extra``, as long as no list has started); after it only section labels split, so
    prose like "ICL aim to:" stays prose. Where the page dropped a heading (some crawls lose
    "Datasets:" and "Objectives:"), the list after the fields becomes the datasets and the
    text after them the objectives, marked implicit so the record says it was inferred.
    """
    sections: list[Section] = []
    in_fields = True
    blank_before = False
    for line in lines:
        text = line.text.strip()
        if not text:
            blank_before = True
            continue
        kind = _line_kind(text, in_fields, sections, blank_before, words)
        in_fields = in_fields and kind not in ("prose label", "marker", "prose")
        _add_line(sections, kind, line)
        blank_before = False
    return sections


def _line_kind(
    text: str, in_fields: bool, sections: list[Section], blank_before: bool, words: PageWords
) -> str:
    """What one non-blank line of a project is, given what came before it."""
    match = _LABEL.match(text)
    key = match["label"].strip().lower() if match else ""
    current = sections[-1] if sections else None
    if match and key in words.prose_labels:
        return "prose label"
    if not in_fields:
        return "more"
    if text.startswith(_FLAG):
        return "flag"
    if text.lower() == "project info":  # 2016 pages: the fields end, the project text begins
        return "marker"
    if match and key in words.list_labels:
        return "data" if key == "data" and current and current.key == "data" else "list label"
    if match and (key in words.field_labels or _plausible_label(key, sections)):
        return "field label"
    if _LIST_ITEM.match(text):
        return "item"
    if current and current.kind == "field" and (_is_note(text) or not blank_before):
        return "more"
    return "prose"


def _plausible_label(key: str, sections: list[Section]) -> bool:
    """An unknown "Label: value" is a field while no list has started and the label is short."""
    return len(key.split()) <= 5 and not any(s.kind == "list" for s in sections)


def _add_line(sections: list[Section], kind: str, line: Line) -> None:
    text = line.text.strip()
    match = _LABEL.match(text)
    if kind == "flag":
        flag = Line(line.number, text[len(_FLAG) :].strip())
        sections.append(Section("project flag", "field", [flag]))
    elif kind == "marker":
        sections.append(Section(text, "prose"))  # unlabelled text after it belongs to it
    elif kind in ("prose label", "field label") and match:
        sections.append(_opened(match, kind.split()[0], line))
    elif kind == "list label" and match:
        sections.append(_opened(match, "list", line))
    elif kind == "data" and match:
        sections[-1].lines.append(Line(line.number, match["value"].strip()))
    elif kind == "item":
        if not (sections and sections[-1].kind == "list"):
            sections.append(Section("Datasets", "list", implicit=True))
        item = _LIST_ITEM.match(text)
        sections[-1].lines.append(Line(line.number, item["item"].strip() if item else text))
    elif kind == "prose" or (kind == "more" and not sections):
        sections.append(Section("Objectives", "prose", [line], implicit=True))
    elif kind == "more":
        sections[-1].lines.append(line)


def _opened(match: re.Match[str], kind: str, line: Line) -> Section:
    value = match["value"].strip()
    return Section(match["label"].strip(), kind, [Line(line.number, value)] if value else [])


# ---------------------------------------------------------------- sections → row


@dataclass
class _Draft:
    """A row being filled: values and line spans per field, warnings."""

    values: dict[str, str] = field(default_factory=dict)
    cells: dict[str, CellSpan] = field(default_factory=dict)
    extra: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def set(self, name: str, value: str | None, span: tuple[int, int]) -> None:
        if not value:
            return
        if name in self.values:
            self.values[name] += " " + value
            span = (self.cells[name].lines or span)[0], span[1]
        else:
            self.values[name] = value
        self.cells[name] = CellSpan(lines=span)

    def set_extra(self, label: str, value: str | None, span: tuple[int, int]) -> None:
        if not value:
            return
        self.extra[label] = f"{self.extra[label]} {value}" if label in self.extra else value
        first = self.cells.get(f"extra.{label}")
        self.cells[f"extra.{label}"] = CellSpan(
            lines=((first.lines or span)[0] if first else span[0], span[1])
        )


def project_row(block: Block, preamble: Preamble, words: PageWords) -> Row:
    sections = project_sections(block.lines, words)
    draft = _Draft(extra=dict(preamble.extra), cells=dict(preamble.cells))
    if preamble.organisation:
        name = preamble.organisation.text.strip().removesuffix(" projects").strip()
        number = preamble.organisation.number
        draft.set("organisation", name, (number, number))
    _apply_heading(draft, block.heading)
    for section in sections:
        if section.lines:
            _apply_section(draft, section, words)
    _apply_data_provided(draft, sections)
    _apply_purpose(draft, sections, words)
    _note_implicit(draft, sections)
    fields = Fields(**draft.values, extra=draft.extra)
    return Row(
        fields=fields,
        layout=_layout(sections, words),
        cells=draft.cells,
        warnings=draft.warnings,
        needs_review=bool(draft.warnings),
    )


def _apply_heading(draft: _Draft, heading: Heading | None) -> None:
    if heading is None:
        return
    span = (heading.line.number, heading.line.number)
    draft.set("title", heading.title, span)
    draft.set("row_id", heading.number, span)
    if heading.cut:
        draft.warnings.append(
            f"page ends in the project heading: the reference is cut off ({heading.reference!r})"
        )
        return
    draft.set("reference", heading.reference, span)
    if heading.reference and not _NIC_REF.match(heading.reference):
        draft.warnings.append(f"reference {heading.reference!r} is not a DARS/NIC number")


def _apply_section(draft: _Draft, section: Section, words: PageWords) -> None:
    key, span = section.key, section.span
    if section.kind == "list":
        items = [line.text for line in section.lines if line.text]
        draft.set("data_type", "; ".join(items), span)
        return
    if section.kind == "prose":
        return  # purpose and its parts are put together once all sections are known
    value, note = _value_and_note(section)
    if note:
        draft.set_extra(f"{section.label} note", note, span)
    if key in words.simple_fields:
        draft.set(words.simple_fields[key], value, span)
    elif key == "purposes":
        _apply_purposes(draft, value, span)
    elif key == "when":
        draft.set_extra(section.label, value, span)
        _apply_dates(draft, value, span)
    elif key == "format":
        draft.set_extra(section.label, value, span)
        split = _SENSITIVITY_SUFFIX.match(value)
        if split and "sensitivity" not in draft.values:
            draft.set("sensitivity", split["sens"], span)
    elif key not in ("type of data", "categories"):
        draft.set_extra(section.label, value, span)


def _value_and_note(section: Section) -> tuple[str, str]:
    """A field's value, and the site's own explanation printed under it in brackets."""
    first, rest = section.lines[:1], section.lines[1:]
    value = [line.text for line in first + [x for x in rest if not _is_note(x.text)]]
    note = [line.text for line in rest if _is_note(line.text)]
    return join_lines(value), join_lines(note)


def _is_note(text: str) -> bool:
    text = text.strip()
    return text.startswith("(") and text.endswith(")")


def _apply_purposes(draft: _Draft, value: str, span: tuple[int, int]) -> None:
    """ "Purposes: Yes (Consultancy)": the register's commercial flag and organisation type."""
    match = _PURPOSES.match(value)
    if match:
        draft.set("commercial", match["flag"], span)
        draft.set("organisation_type", (match["type"] or "").strip() or None, span)
        return
    flag = _FLAG_WORDS.match(value)
    draft.set("commercial", flag[0] if flag else None, span)
    draft.set_extra("Purposes", value, span)
    draft.warnings.append(
        "'Purposes' holds free text instead of 'Yes/No (organisation type)': "
        "organisation type unknown"
    )


def _apply_dates(draft: _Draft, value: str, span: tuple[int, int]) -> None:
    """The data sharing agreement's dates; the release period after them stays in extra."""
    match = _DSA.search(value)
    if not match:
        return
    for name in ("start", "end"):
        date = match[name]
        if date and date != "unknown":
            draft.set(f"date_{name}", date, span)


def _apply_data_provided(draft: _Draft, sections: list[Section]) -> None:
    """What identifiability the data had, from the first field that says so.

    "Type of data" when the register disclosed it, else the 2017 "Categories", else the 2016
    "Format" less its sensitivity, else the identifiability terms the 2019 pages merge into
    "Opt outs honoured" ("Anonymised - ICO Code Compliant", "Identifiable" …). A value that
    is not used as printed is kept in ``extra`` under its label.
    """
    for section in sections:
        if not section.lines or section.kind != "field":
            continue
        value, span = _value_and_note(section)[0], section.span
        provided = _provided_from(section.key, value)
        if section.key in ("type of data", "categories") and provided != value:
            draft.set_extra(section.label, value, span)
        if provided and "data_provided" not in draft.values:
            draft.set("data_provided", provided, span)


def _provided_from(key: str, value: str) -> str | None:
    if key == "type of data":
        if value.lower().startswith("information not disclosed"):
            return None
        return _NOTE.sub("", value) or None
    if key == "categories":
        return value or None
    if key == "format":
        split = _SENSITIVITY_SUFFIX.match(value)
        return (split["provided"] if split else value) or None
    if key == "opt outs honoured":
        return ", ".join(_identifiability_terms(value)) or None
    return None


def _identifiability_terms(value: str) -> list[str]:
    while _PARENS.search(value):
        value = _PARENS.sub("", value)
    terms = [term.strip() for term in value.split(",")]
    found = [term for term in terms if _IDENTIFIABILITY.match(term)]
    return list(dict.fromkeys(found))


def _apply_purpose(draft: _Draft, sections: list[Section], words: PageWords) -> None:
    """Objectives first, then the benefits, into ``purpose``; other prose into ``extra``."""
    prose = [s for s in sections if s.kind == "prose" and s.lines]
    for section in [s for s in prose if s.key in words.objective_labels]:
        draft.set("purpose", section.text(), section.span)
    for section in [s for s in prose if s.key in words.benefit_labels]:
        draft.set("purpose", section.text(), section.span)
    for section in [s for s in prose if s.key not in words.objective_labels]:
        draft.set_extra(section.label, section.text(), section.span)


def _note_implicit(draft: _Draft, sections: list[Section]) -> None:
    for section in sections:
        if section.implicit and section.kind == "list":
            draft.warnings.append(
                "the page has no 'Datasets:' heading: the list after the fields was taken as "
                "the datasets"
            )
        elif section.implicit:
            draft.warnings.append(
                "the page has no 'Objectives:' heading: the unlabelled text after the fields "
                "was taken as the objectives; later sections without a heading stay merged "
                "into the section before them"
            )


def _layout(sections: list[Section], words: PageWords) -> str:
    """The page generation whose marker labels the project uses first; else the last."""
    keys = {section.key for section in sections}
    for name, marks in words.generations:
        if keys & marks or not marks:
            return name
    return words.generations[-1][0]


def _inherit_layouts(rows: list[Row], blocks: list[Block], words: PageWords) -> None:
    """A project cut off before any label has no layout of its own: it takes the page's."""
    for n in range(1, len(rows)):
        if not project_sections(blocks[n].lines, words):
            rows[n].layout = rows[n - 1].layout


# ---------------------------------------------------------------- truncation


def _ends_cleanly(block: Block, words: PageWords) -> bool:
    """A project that reached its prose and whose last line is not an empty label or item."""
    sections = project_sections(block.lines, words)
    if not any(section.kind == "prose" for section in sections):
        return False
    last = next((line.text.strip() for line in reversed(block.lines) if line.text.strip()), "")
    empty_item = _LIST_ITEM.match(last)
    empty_label = _LABEL.match(last)
    return not (empty_item and not empty_item["item"]) and not (
        empty_label and not empty_label["value"]
    )


def _mark_truncated(row: Row, block: Block, words: PageWords) -> None:
    sections = project_sections(block.lines, words)
    after = sections[-1].label if sections else "the project heading"
    row.warnings.append(f"page ends mid-project: fields after {after} are missing")
    row.needs_review = True


def _span(first: Line, last: Line) -> CellSpan:
    return CellSpan(lines=(first.number, last.number))
