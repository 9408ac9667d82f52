"""Cell text as the record contract wants it: lines joined, wrap hyphenation undone."""


def join_lines(lines: list[str]) -> str:
    """Join a cell's printed lines with single spaces.

    A line that ends in a hyphen straight after a letter or digit was wrapped at a
    hyphen the cell already had ("Non-" / "Sensitive", "CAG 7-" / "07(c)/2013"):
    the two pieces join with no space and the hyphen stays.
    """
    out = ""
    for raw in lines:
        # split() splits on exactly the characters \s matches, several times faster
        line = " ".join(raw.split())
        if not line:
            continue
        if not out:
            out = line
        elif out.endswith("-") and len(out) > 1 and out[-2].isalnum():
            out += line
        else:
            out += " " + line
    return out


def clean_cell(text: str | None) -> str | None:
    """One cell's text with its line breaks joined; empty cells become None."""
    if text is None:
        return None
    joined = join_lines(text.splitlines())
    return joined or None
