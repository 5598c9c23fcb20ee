"""The CPP go-live API simulator: `CppSimulator`, its `Scenario`s and `Fault`s."""

from simulators.cpp.operation import API_VERSION, Operation
from simulators.cpp.scenario import UNKNOWN_STATUS_WORD, Scenario, scenario_from_offer_id
from simulators.cpp.simulator import CppSimulator, load_scenarios
from simulators.cpp.steps import STEP_IDS
from simulators.faults import Fault

__all__ = [
    "API_VERSION",
    "STEP_IDS",
    "UNKNOWN_STATUS_WORD",
    "CppSimulator",
    "Fault",
    "Operation",
    "Scenario",
    "load_scenarios",
    "scenario_from_offer_id",
]
