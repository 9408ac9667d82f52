"""The one error hierarchy of drr, drawn whole here (a class kept elsewhere says where).

    DrrError                      anything drr itself reports to a person
    ├── ExtractError              a document could not be turned into rows
    │   ├── UnreadableDocument    empty, binary junk, corrupt, encrypted, truncated
    │   ├── UnknownLayout         readable, but no layout profile matches its table
    │   ├── EmptyRegister         the header is known but no data rows follow it
    │   └── DocumentTooLarge      over a size, page, row, time or decompression bound
    ├── ModelError                a model artifact is missing, unsafe or incompatible
    ├── TransientJobError         (workers/jobs.py) the database or network failed a job's
    │                             delivery, not the document: the job is tried again
    └── ApiError                  (api/errors.py) an HTTP request refused, with its status

The root lives here because ``extract/`` may import nothing of ours and every other folder
may import ``extract``. ``models/`` imports nothing of ours (``models/sklearn_io.py``'s
import of ``ModelError`` is the one exception, and should go), so its
``models.registry.ModelNotFound`` is a plain ``Exception``: the loaders in ``nlp/`` that
need a model translate it into ``ModelError`` (``nlp.purpose``) or fall back to the rules
(``nlp.entities``), so it never reaches an edge. Exceptions private to a module (the PDF
inflater's ``Overflow``) are caught there and become one of the classes above.

Errors are raised with a message a person can act on and translated at exactly three
edges, and nowhere else:

- the command line (``workers/cli.py``; a command that reads many inputs reports each
  one's failure itself, in ``workers/commands/``, and goes on): one line on stderr,
  ``drr: reason`` or ``drr: FILE: reason``, exit 1;
- the HTTP API (``api/errors.py``): ``{"error": {"status", "code", "message"}}``, the
  status from the class (``ApiError`` its own; ``DocumentTooLarge`` 413,
  ``UnreadableDocument`` 415, another ``ExtractError`` 422, ``ModelError`` 503, any other
  500), and any exception not of drr a 500 in the same shape, its details only in the log;
- a job's failure state (``workers/jobs.py``): the job fails with the message as its
  reason; a ``TransientJobError`` (or a database or network error) is retried instead.
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
