"""The roles an API token may have: a module of its own, light enough for the CLI's parser
(``drr tokens create --role``) to offer them without loading the store."""

from __future__ import annotations

from typing import Literal

Role = Literal["submitter", "reviewer", "reader"]
ROLES: tuple[Role, ...] = ("submitter", "reviewer", "reader")
