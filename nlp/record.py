"""The enrichment half of the record contract (``../shared/docs/record-contract.md``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from extract.record import ExtractedRecord

PurposeLabel = Literal["commercial", "research", "commissioning"]
LABELS: tuple[PurposeLabel, ...] = ("commercial", "research", "commissioning")
Sector = Literal[
    "commercial",
    "academic",
    "nhs_commissioner",
    "nhs_provider",
    "local_authority",
    "central_government",
    "charity_or_research_body",
    "other",
]


class Entity(BaseModel):
    text: str
    canonical: str
    field: str = Field(description="the record field the text was found in")
    start: int = Field(description="character offset into the field's text")
    end: int


class Organisation(Entity):
    sector: Sector
    id: str | None = Field(
        None, description="the organisation registry's id (GET /organisations/{id}); null when "
        "the registry lists no such organisation")
    sector_confidence: float | None = Field(
        None, description="how often the evidence that gave the sector is right (calibrated)")
    needs_review: bool = Field(False, description="the sector is uncertain: a person should look")


class ApprovalReference(Entity):
    scheme: str = Field(description="CAG, PIAG, ECC, S251, DAAG, MR, NIC, ...")


class Dataset(Entity):
    pass


class Entities(BaseModel):
    organisations: list[Organisation] = Field(default_factory=list)
    approval_references: list[ApprovalReference] = Field(default_factory=list)
    datasets: list[Dataset] = Field(default_factory=list)


class Normalised(BaseModel):
    data_provided: (
        Literal[
            "identifiable",
            "pseudonymised",
            "anonymised",
            "aggregated",
            "aggregated_small_numbers",
        ]
        | None
    ) = None
    sensitivity: Literal["sensitive", "non_sensitive"] | None = None
    frequency: Literal["one_off", "ongoing"] | None = None


class Purpose(BaseModel):
    label: PurposeLabel
    scores: dict[PurposeLabel, float] = Field(description="calibrated probabilities, summing to 1")
    model: str = Field(description="name and version of the model that scored it")
    needs_review: bool
    source: Literal["model", "reviewer"] = "model"


class EnrichedRecord(ExtractedRecord):
    """What ``drr process`` and ``drr enrich`` write, and the HTTP API serves."""

    model_config = ConfigDict(extra="allow")

    normalised: Normalised
    entities: Entities
    purpose: Purpose
