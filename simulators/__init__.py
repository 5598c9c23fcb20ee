"""Local stand-ins for the services the go-live app talks to, on 127.0.0.1.

- `CppSimulator`: the Cloud Partner Portal go-live API, with scenarios and faults per offer.
- `EventGridSimulator`: an Event Grid topic that keeps the events it accepts.
- `IngestionSimulator`: the Partner Center Product Ingestion API (products, submissions,
  configure jobs), with scenarios and faults per product.
- `IdentitySimulator`: the App Service managed-identity endpoint azure-identity calls.

Each is a context manager (start on an OS-picked port, stop on exit) and a CLI:
`python -m simulators cpp|ingestion|eventgrid|identity --help`. They share tokens through one
`TokenAuthority`. See docs/simulators.md.
"""

from simulators.clock import ManualClock, Now, wall_clock
from simulators.cpp import CppSimulator, Fault, Scenario
from simulators.eventgrid import EventGridSimulator
from simulators.identity import IdentitySimulator
from simulators.ingestion import IngestionScenario, IngestionSimulator
from simulators.recording import RecordedRequest
from simulators.tokens import CPP_AUDIENCE, EVENTGRID_AUDIENCE, GRAPH_AUDIENCE, TokenAuthority

__all__ = [
    "CPP_AUDIENCE",
    "EVENTGRID_AUDIENCE",
    "GRAPH_AUDIENCE",
    "CppSimulator",
    "EventGridSimulator",
    "Fault",
    "IdentitySimulator",
    "IngestionScenario",
    "IngestionSimulator",
    "ManualClock",
    "Now",
    "RecordedRequest",
    "Scenario",
    "TokenAuthority",
    "wall_clock",
]
