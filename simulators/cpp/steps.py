"""The steps a go-live operation reports, modelled on the CPP API samples (docs/cpp-api.md).

Weights share out a scenario's working time; they follow the samples' estimates loosely
(certification and going live take most of it).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StepSpec:
    id: str
    name: str
    description: str
    estimate: str
    weight: float


STEPS: tuple[StepSpec, ...] = (
    StepSpec(
        "validation",
        "Validate Pre-Requisites",
        "Offer settings provided are validated",
        "< 15 min",
        0.05,
    ),
    StepSpec(
        "certification",
        "Certification",
        "Your offer is analyzed by our certification systems for issues.",
        "< 5 day",
        0.40,
    ),
    StepSpec(
        "provisioning",
        "Provisioning",
        "Your offer is being replicated in our production systems.",
        "< 1 day",
        0.15,
    ),
    StepSpec(
        "packaging",
        "Packaging and Lead Generation Registration",
        "Your offer is packaged for being shown to your customers.",
        "< 1 hour",
        0.05,
    ),
    StepSpec(
        "live",
        "Live",
        "Offer is publicly visible and is available for purchase.",
        "~2-5 days",
        0.35,
    ),
)

STEP_IDS: tuple[str, ...] = tuple(step.id for step in STEPS)


def step_index(step_id: str) -> int:
    """Position of a step, or ValueError naming the known ones."""
    try:
        return STEP_IDS.index(step_id)
    except ValueError:
        raise ValueError(f"unknown step {step_id!r}; steps are {', '.join(STEP_IDS)}") from None
