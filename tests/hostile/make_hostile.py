"""Write the hostile corpus: small documents built to hang, balloon or confuse drr's readers.

Run ``python3 tests/hostile/make_hostile.py OUT_DIR``; ``tests/test_hostile.py`` builds the
corpus this way into a temporary folder, so no hostile bytes are committed. Every file is a
few kilobytes at most except where size is the point (a very long CSV line). ``EXPECTED``
names, per file, what it is and which error class drr must end it with (None: it is a valid
register and must be read).

Zip bombs are built without ever holding their inflated bytes: ``zero_bomb`` deflates one
mebibyte of zeros once, repeats that block (the stream is full-flushed after it, so each
copy is self-contained) and appends the Adler-32 of the whole.
"""

from __future__ import annotations

import struct
import sys
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

MIB = 1 << 20

# file name -> (what it is, the error class drr must fail it with, or None to read it)
EXPECTED: dict[str, tuple[str, str | None]] = {
    "self-reference.pdf": ("object 4 is `4 0 R`, the page's /Contents", "UnreadableDocument"),
    "reference-cycle.pdf": ("objects 4 and 5 refer to each other", "UnreadableDocument"),
    "self-length.pdf": ("a stream whose /Length is a reference to itself", "UnreadableDocument"),
    "reference-chain.pdf": ("/Contents reached through 5,000 references", None),
    "deep-arrays.pdf": ("a content stream of 100,000 nested arrays", "UnreadableDocument"),
    "double-flate.pdf": (
        "content stream behind two Flate filters, 1 GiB inflated",
        "DocumentTooLarge",
    ),
    "triple-flate.pdf": ("content stream behind three Flate filters, 1 GiB", "DocumentTooLarge"),
    "huge-tounicode.pdf": ("a font's ToUnicode CMap inflating to 1 GiB", "DocumentTooLarge"),
    "huge-image.pdf": ("a drawn image of 32768 x 32768 pixels, 1 GiB", "DocumentTooLarge"),
    "lying-image.pdf": ("a 100 x 100 image inflating to 1 GiB", "DocumentTooLarge"),
    "blank-scan.pdf": ("a register with a blank Flate page image (1,000 to 1)", None),
    "ratio-bomb.pdf": ("a 24 MiB content stream of spaces (over 1,000 to 1)", "DocumentTooLarge"),
    "objstm-bomb.pdf": ("an object stream inflating to 1 GiB", "DocumentTooLarge"),
    "form-fanout.pdf": (
        "forms drawing forms ten times, eight deep: 10^8 glyphs",
        "DocumentTooLarge",
    ),
    "truncated.pdf": ("a register PDF cut in half", "UnreadableDocument"),
    "corrupt-xref.pdf": ("xref offsets pointing at garbage, no objects", "UnreadableDocument"),
    "encrypted.pdf": ("encrypted with a user password", "UnreadableDocument"),
    "zero-pages.pdf": ("a page tree with no pages", "UnreadableDocument"),
    "register.pdf": ("the valid register the damaged PDFs are cut from", None),
    "junk\nname.pdf": ("binary junk whose name holds a newline", "UnreadableDocument"),
    "shared-strings-bomb.xlsx": ("sharedStrings.xml inflating to 1 GiB", "DocumentTooLarge"),
    "many-rows.xlsx": ("a register sheet of 4 million identical rows", "DocumentTooLarge"),
    "many-rows.ods": ("an ODS register of 4 million identical rows", "DocumentTooLarge"),
    "billion-laughs.xlsx": ("sharedStrings.xml with nested XML entities", "UnreadableDocument"),
    "nul-bytes.csv": ("a CSV register with NUL bytes in its cells", None),
    "long-line.csv": ("a CSV register whose second row is one 30 MiB cell", "DocumentTooLarge"),
    "utf16-no-bom.csv": ("a CSV register in UTF-16 LE without a byte-order mark", None),
    "name\nwith-newline.csv": ("a valid CSV register whose name holds a newline", None),
}

HEADER = "Row ID,Organisation Name,Purpose,Data Provided"
ROWS = [
    "1,NICOR,Research into heart attack outcomes,HES",
    "2,NHS Leeds CCG,Commissioning of local services,SUS",
]


# --- bytes ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deflated:
    """Raw deflate data and what a container needs to say about its inflated bytes."""

    raw: bytes
    size: int
    crc32: int
    adler32: int

    def zlib(self) -> bytes:
        return b"\x78\xda" + self.raw + self.adler32.to_bytes(4, "big")


def deflate_repeated(parts: list[tuple[bytes, int]]) -> Deflated:
    """Deflate each (chunk, times) by compressing the chunk once and repeating its block.

    After a full flush the compressor keeps no history, so a chunk compresses to the same
    bytes every time: a gibibyte of output costs one mebibyte of work.
    """
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    raw, size, crc, adler = bytearray(), 0, 0, 1
    for chunk, times in parts:
        raw += (deflate.compress(chunk) + deflate.flush(zlib.Z_FULL_FLUSH)) * times
        size += len(chunk) * times
        for _ in range(times):
            crc, adler = zlib.crc32(chunk, crc), zlib.adler32(chunk, adler)
    raw += deflate.flush(zlib.Z_FINISH)
    return Deflated(bytes(raw), size, crc, adler)


def zero_bomb(mib: int) -> bytes:
    """A zlib stream of ``mib`` MiB of zeros, about 1,000 times smaller."""
    return deflate_repeated([(bytes(MIB), mib)]).zlib()


def pdf(objects: list[bytes], trailer: bytes = b"") -> bytes:
    """A PDF of numbered objects (1 is the catalog) with a correct xref table."""
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        trailer,
        xref,
    )
    return bytes(out)


def stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def flate_times(data: bytes, times: int) -> bytes:
    for _ in range(times):
        data = zlib.compress(data, 9)
    return data


CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"
PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
TEXT = b"BT /F1 10 Tf 72 700 Td (Row ID) Tj ET\n"


def page(contents: bytes = b"4 0 R", resources: bytes = b"<< /Font << /F1 5 0 R >> >>") -> bytes:
    return (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents "
        + contents
        + b" /Resources "
        + resources
        + b" >>"
    )


def one_page(content_object: bytes, *more: bytes) -> bytes:
    """Catalog, pages, page (contents 4 0 R, font 5 0 R), the given object 4 and any more."""
    return pdf([CATALOG, PAGES, page(), content_object, FONT, *more])


def flate_content(layers: int) -> bytes:
    data = flate_times(zero_bomb(1024), layers - 1)
    filters = b" ".join([b"/FlateDecode"] * layers)
    return one_page(stream(data, b"/Filter [%s] " % filters))


def huge_tounicode() -> bytes:
    font = (
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding "
        b"/ToUnicode 6 0 R >>"
    )
    cmap = stream(zero_bomb(1024), b"/Filter /FlateDecode ")
    return pdf([CATALOG, PAGES, page(), stream(TEXT), font, cmap])


def image_page(side: int, mib: int, content: bytes = TEXT) -> bytes:
    """A page drawing a gray image ``side`` pixels square whose Flate data is ``mib`` MiB
    of zeros."""
    image = stream(
        zero_bomb(mib),
        b"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Filter /FlateDecode " % (side, side),
    )
    resources = b"<< /Font << /F1 5 0 R >> /XObject << /Im1 6 0 R >> >>"
    content = stream(content + b"q 100 0 0 100 72 500 cm /Im1 Do Q\n")
    return pdf([CATALOG, PAGES, page(resources=resources), content, FONT, image])


def ratio_bomb() -> bytes:
    return one_page(stream(zlib.compress(b" " * (24 * MIB), 9), b"/Filter /FlateDecode "))


def objstm_bomb() -> bytes:
    """Objects 3-5 (page, content, font) live in object stream 6, which inflates to 1 GiB.

    The object stream's first bytes are a valid header and objects, the rest zeros, so the
    document is well formed until the stream is inflated whole; an xref stream (object 7)
    points into it.
    """
    bodies = [page(), b"<< /Length 0 >>", FONT]
    header = b" ".join(b"%d %d" % (3 + i, sum(len(b) + 1 for b in bodies[:i])) for i in range(3))
    first = len(header) + 1
    objects_text = header + b" " + b" ".join(bodies) + b" "
    data = deflate_repeated([(objects_text, 1), (bytes(MIB), 1024)]).zlib()
    objstm = stream(data, b"/Type /ObjStm /N 3 /First %d /Filter /FlateDecode " % first)
    out = bytearray(b"%PDF-1.5\n")
    offsets = {}
    for number, body in ((1, CATALOG), (2, PAGES), (6, objstm)):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    offsets[7] = len(out)
    rows = [b"\x00" + (0).to_bytes(4, "big") + b"\xff\xff"]
    for number in range(1, 8):
        if number in (3, 4, 5):
            rows.append(b"\x02" + (6).to_bytes(4, "big") + (number - 3).to_bytes(2, "big"))
        else:
            rows.append(b"\x01" + offsets[number].to_bytes(4, "big") + b"\x00\x00")
    xref = b"".join(rows)
    out += b"7 0 obj\n" + stream(xref, b"/Type /XRef /Size 8 /W [1 4 2] /Root 1 0 R ")
    out += b"\nendobj\nstartxref\n%d\n%%%%EOF\n" % offsets[7]
    return bytes(out)


def form_fanout() -> bytes:
    """Form n draws form n-1 ten times; form 0 draws a 100-glyph string. Ten to the eighth."""
    forms = [
        stream(
            b"BT /F1 1 Tf (" + b"x" * 100 + b") Tj ET",
            b"/Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> ",
        )
    ]
    for level in range(1, 7):
        inner = 6 + level - 1
        forms.append(
            stream(
                b"/X Do " * 10,
                b"/Type /XObject /Subtype /Form /BBox [0 0 595 842] "
                b"/Resources << /XObject << /X %d 0 R >> >> " % inner,
            )
        )
    top = 6 + len(forms) - 1
    resources = b"<< /Font << /F1 5 0 R >> /XObject << /X %d 0 R >> >>" % top
    content = stream(b"/X Do " * 100)
    return pdf([CATALOG, PAGES, page(resources=resources), content, FONT, *forms])


def reference_chain(length: int) -> bytes:
    """Object 4 refers to 6, 6 to 7, ... the last holds the content stream."""
    chain = [b"%d 0 R" % (number + 1) for number in range(6, 6 + length - 1)]
    return pdf([CATALOG, PAGES, page(), b"6 0 R", FONT, *chain, stream(register_content())])


def encrypted() -> bytes:
    """Standard security handler, RC4 40-bit, with a user password nobody gave drr."""
    encrypt = b"<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P -3904 >>" % (
        b"6f" * 32,
        b"75" * 32,
    )
    return pdf(
        [CATALOG, PAGES, page(), stream(b"garbled"), FONT, encrypt],
        b"/Encrypt 6 0 R /ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>] ",
    )


def register_content() -> bytes:
    """An unruled register table, each cell drawn at its column's x (as tests/test_pdf_bad)."""
    rows = [
        ["Row ID", "Organisation Name", "Purpose"],
        ["1", "NICOR", "Research"],
        ["2", "NHS Leeds CCG", "Commissioning"],
        ["3", "NHS Leeds CCG", "Invoice validation"],
    ]
    return b"".join(
        b"BT /F1 10 Tf %d %d Td (%s) Tj ET\n" % (x, 800 - 20 * i, cell.encode())
        for i, row in enumerate(rows)
        for x, cell in zip((50, 120, 300), row, strict=True)
    )


def register_pdf() -> bytes:
    return one_page(stream(register_content()))


def corrupt_xref() -> bytes:
    data = register_pdf()
    start = data.rindex(b"xref\n")
    body = b"%PDF-1.5\n" + bytes((i * 37) % 251 for i in range(start - 9))
    return body + data[start:]


def zip_file(members: list[tuple[str, bytes | Deflated]]) -> bytes:
    """A zip archive of deflated members, written by hand so a member can be a ``Deflated``."""
    out, central = bytearray(), bytearray()
    for name, data in members:
        member = data if isinstance(data, Deflated) else deflate_repeated([(data, 1)])
        encoded = name.encode()
        fields = struct.pack(
            "<HHHHHIII", 20, 0, 8, 0, 0x21, member.crc32, len(member.raw), member.size
        )
        central += (
            b"PK\x01\x02\x14\x00"
            + fields
            + struct.pack("<HHHHHII", len(encoded), 0, 0, 0, 0, 0, len(out))
            + encoded
        )
        out += b"PK\x03\x04" + fields + struct.pack("<HH", len(encoded), 0) + encoded + member.raw
    count = len(members)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), len(out), 0)
    return bytes(out + central + end)


XLSX_FIXED = [
    (
        "[Content_Types].xml",
        (
            b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            b'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
            b'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            b'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
            b'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
            b'worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
        ),
    ),
    (
        "_rels/.rels",
        (
            b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            b'2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            b'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            b"</Relationships>"
        ),
    ),
    (
        "xl/workbook.xml",
        (
            b'<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
            b'2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            b'<sheets><sheet name="Register" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
    ),
    (
        "xl/_rels/workbook.xml.rels",
        (
            b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            b'2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            b'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            b'<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            b'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
        ),
    ),
]
SHEET_HEAD = (
    b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
    b'2006/main"><sheetData>'
)
SHEET_TAIL = b"</sheetData></worksheet>"
SST_HEAD = (
    b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def inline_row(number: int, cells: list[str]) -> bytes:
    return (
        b'<row r="%d">' % number
        + b"".join(b'<c t="inlineStr"><is><t>%s</t></is></c>' % cell.encode() for cell in cells)
        + b"</row>"
    )


def xlsx(sheet: bytes | Deflated, shared: bytes | Deflated) -> bytes:
    if isinstance(sheet, bytes):
        sheet = SHEET_HEAD + sheet + SHEET_TAIL
    members = [*XLSX_FIXED, ("xl/worksheets/sheet1.xml", sheet), ("xl/sharedStrings.xml", shared)]
    return zip_file(members)


def shared_strings_bomb() -> bytes:
    header = inline_row(1, HEADER.split(","))
    shared = deflate_repeated(
        [(SST_HEAD + b"<si><t>", 1), (b"A" * MIB, 1024), (b"</t></si></sst>", 1)]
    )
    return xlsx(header, shared)


def many_rows_xlsx() -> bytes:
    row = inline_row(2, ROWS[0].split(",")).replace(b' r="2"', b"")
    sheet = deflate_repeated(
        [(SHEET_HEAD + inline_row(1, HEADER.split(",")), 1), (row * 1000, 4000), (SHEET_TAIL, 1)]
    )
    return xlsx(sheet, SST_HEAD + b"</sst>")


def billion_laughs() -> bytes:
    entities = b'<!ENTITY lol0 "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10) for i in range(1, 10)
    )
    shared = (
        b'<?xml version="1.0"?><!DOCTYPE sst [' + entities + b"]>"
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<si><t>&lol9;</t></si></sst>"
    )
    sheet = inline_row(1, HEADER.split(",")) + b'<row r="2"><c t="s"><v>0</v></c></row>'
    return xlsx(sheet, shared)


def many_rows_ods() -> bytes:
    def cell(text: str) -> bytes:
        return (
            b'<table:table-cell office:value-type="string"><text:p>%s</text:p></table:table-cell>'
            % text.encode()
        )

    def row(line: str) -> bytes:
        return (
            b"<table:table-row>"
            + b"".join(cell(c) for c in line.split(","))
            + b"</table:table-row>"
        )

    head = (
        b'<?xml version="1.0"?><office:document-content '
        b'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        b'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        b'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body>'
        b'<office:spreadsheet><table:table table:name="Register">' + row(HEADER)
    )
    tail = b"</table:table></office:spreadsheet></office:body></office:document-content>"
    content = deflate_repeated([(head, 1), (row(ROWS[0]) * 1000, 4000), (tail, 1)])
    members = [
        ("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"),
        ("content.xml", content),
    ]
    return zip_file(members)


def csv_text(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode()


BUILDERS: dict[str, Callable[[], bytes]] = {
    "self-reference.pdf": lambda: one_page(b"4 0 R"),
    "reference-cycle.pdf": lambda: one_page(b"6 0 R", b"4 0 R"),
    "self-length.pdf": lambda: one_page(b"<< /Length 4 0 R >>\nstream\n" + TEXT + b"\nendstream"),
    "reference-chain.pdf": lambda: reference_chain(5_000),
    "deep-arrays.pdf": lambda: one_page(stream(b"[" * 100_000 + b"]" * 100_000 + b" n")),
    "double-flate.pdf": lambda: flate_content(2),
    "triple-flate.pdf": lambda: flate_content(3),
    "huge-tounicode.pdf": huge_tounicode,
    "huge-image.pdf": lambda: image_page(32768, 1024),
    "lying-image.pdf": lambda: image_page(100, 1024),
    "blank-scan.pdf": lambda: image_page(2048, 4, register_content()),
    "ratio-bomb.pdf": ratio_bomb,
    "objstm-bomb.pdf": objstm_bomb,
    "form-fanout.pdf": form_fanout,
    "truncated.pdf": lambda: register_pdf()[: len(register_pdf()) // 2],
    "corrupt-xref.pdf": corrupt_xref,
    "encrypted.pdf": encrypted,
    "zero-pages.pdf": lambda: pdf([CATALOG, b"<< /Type /Pages /Kids [] /Count 0 >>"]),
    "register.pdf": register_pdf,
    "junk\nname.pdf": lambda: b"%PDF-1.4\n" + bytes(range(256)) * 8,
    "shared-strings-bomb.xlsx": shared_strings_bomb,
    "many-rows.xlsx": many_rows_xlsx,
    "many-rows.ods": many_rows_ods,
    "billion-laughs.xlsx": billion_laughs,
    "nul-bytes.csv": lambda: csv_text([HEADER, *ROWS]).replace(b"NICOR", b"NI\x00\x00\x00COR") * 3,
    "long-line.csv": lambda: csv_text(
        [HEADER, '1,NICOR,"' + "research " * (30 * MIB // 9) + '",HES', ROWS[1]]
    ),
    "utf16-no-bom.csv": lambda: "\r\n".join([HEADER, *ROWS]).encode("utf-16-le"),
    "name\nwith-newline.csv": lambda: csv_text([HEADER, *ROWS]),
}


def build(folder: Path) -> list[Path]:
    """Write every hostile file into ``folder``; return their paths in ``EXPECTED`` order."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in EXPECTED:
        path = folder / name
        path.write_bytes(BUILDERS[name]())
        paths.append(path)
    return paths


if __name__ == "__main__":
    for written in build(Path(sys.argv[1])):
        print(f"{written.stat().st_size:>10,}  {written.name!r}")
