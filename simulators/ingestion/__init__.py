"""The Partner Center Product Ingestion API simulator: `IngestionSimulator` and its scenarios."""

from simulators.ingestion.product import Job, Product, product_guid
from simulators.ingestion.scenario import IngestionScenario, scenario_from_external_id
from simulators.ingestion.simulator import API_VERSIONS, PREFIX, IngestionSimulator, load_products

__all__ = [
    "API_VERSIONS",
    "PREFIX",
    "IngestionScenario",
    "IngestionSimulator",
    "Job",
    "Product",
    "load_products",
    "product_guid",
    "scenario_from_external_id",
]
