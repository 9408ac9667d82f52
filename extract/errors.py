"""The one error hierarchy of drr.

    DrrError                      anything drr itself reports to a person
    ├── ExtractError              a document could not be turned into rows
    │   ├── UnreadableDocument    empty, binary junk, corrupt, encrypted, truncated
    │   ├── UnknownLayout         readable, but no layout profile matches its table
    │   ├── EmptyRegister         the header is known but no data rows follow it
    │   └── DocumentTooLarge      over a size, page, row or decompression bound
    └── ModelError                a model artifact is missing, unsafe or incompatible

Errors are raised with a message a person can act on and translated only at the
edges: the CLI prints ``FILE: message`` and exits non-zero, the HTTP API answers
with its JSON error shape, a task marks its job failed with the message.
"""


class DrrError(Exception):
    """Base of every error drr reports to a person."""


class ExtractError(DrrError):
    """A document could not be turned into rows."""


class UnreadableDocument(ExtractError):
    """The bytes are not a readable document of any supported format."""


class UnknownLayout(ExtractError):
    """The document is readable but none of its tables matches a layout profile."""


class EmptyRegister(ExtractError):
    """The register's header matched a layout, but no data rows follow it."""


class DocumentTooLarge(ExtractError):
    """The document exceeds a size, page, row or decompression bound."""


class ModelError(DrrError):
    """A model artifact is missing, unsafe to load, or incompatible."""
