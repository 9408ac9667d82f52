"""Agreement references as join keys: one agreement, however an edition writes it.

The same DARS agreement is printed ``DARS-NIC-110660-G9W6M-v2.2`` on a release row and
``NIC-110660-G9W6M``, ``nic 110660 g9w6m`` or ``110660-G9W6M`` beside its purpose
statement. ``reference_key`` gives the canonical form ``nlp/references.py`` gives NIC
references (``DARS-NIC-110660-G9W6M``, the version apart), so the two sheets join; any
other reference is its letters and digits, upper case. Kept in ``extract`` (which may
not import ``nlp``): the two must agree, and ``tests/test_content_columns.py`` checks
that they do on every reference of the NIC seed list.
"""

from __future__ import annotations

import re
from typing import NamedTuple

_NIC = re.compile(
    r"^\s*(?:dars[\s_-]*)?(?:nic[\s_:-]*)?(?P<n>\d{2,7})[\s_-]+(?P<code>[a-z0-9]{3,6})"
    r"(?:[\s_-]*v(?:ersion)?[\s_.-]*(?P<v>\d+(?:[._]\d+)*))?\s*$",
    re.IGNORECASE,
)
_ODR = re.compile(
    r"^\s*odr[\s_-]?(?P<year>\d{4})[\s_-]+(?P<n>\d{1,4}[a-z]?)(?P<suffix>\s*/\s*[ra]\d{1,2})?\s*$",
    re.IGNORECASE,
)
# "NIC 110660": the agreement's number alone, as some editions print it beside a statement
_NIC_NUMBER = re.compile(
    r"^\s*(?:dars[\s_-]*)?nic[\s_:-]*(?P<n>\d{2,7})(?:[\s_-]*v(?:ersion)?[\s_.-]*(?P<v>\d+(?:[._]\d+)*))?\s*$",
    re.IGNORECASE,
)
_NOT_KEY = re.compile(r"[^0-9A-Z]+")


class ReferenceKey(NamedTuple):
    base: str  # the agreement: "DARS-NIC-110660-G9W6M", "ODR_2014_139A", "CASEMIXMONITOR"
    version: str | None  # "2.2" for "-v2.2", None when the reference carries none


def reference_key(text: str | None) -> ReferenceKey | None:
    """The agreement a printed reference names, and its version if printed; None if empty."""
    if text is None or not text.strip():
        return None
    m = _NIC.match(text)
    if m:
        version = m["v"].replace("_", ".") if m["v"] else None
        return ReferenceKey(f"DARS-NIC-{m['n']}-{m['code'].upper()}", version)
    m = _NIC_NUMBER.match(text)
    if m:  # nlp/references.py writes these "NIC-68697" too
        return ReferenceKey(f"NIC-{m['n']}", m["v"].replace("_", ".") if m["v"] else None)
    m = _ODR.match(text)
    if m:
        suffix = _NOT_KEY.sub("", (m["suffix"] or "").upper())
        return ReferenceKey(f"ODR_{m['year']}_{m['n'].upper()}{suffix and '/' + suffix}", None)
    key = _NOT_KEY.sub("", text.upper())
    return ReferenceKey(key, None) if key else None


def canonical_reference(text: str | None) -> str | None:
    """``reference_key`` as one string: the base, then ``-v`` and the version if any."""
    key = reference_key(text)
    if key is None:
        return None
    return key.base + (f"-v{key.version}" if key.version else "")


def agreement_number(key: ReferenceKey) -> str | None:
    """``NIC-110660`` for a DARS agreement, whether its code (``G9W6M``) was printed or not:
    the key a statement printed under the number alone is joined on. None for others."""
    m = re.match(r"^(?:DARS-)?(NIC-\d+)(?:-[A-Z0-9]+)?$", key.base)
    return m[1] if m else None
