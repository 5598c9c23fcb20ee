"""The Bicep under infra/, parsed with pycep-parser, and the few readers the tests need.

pycep renders an identifier and a string literal alike (both a Python str), so a value is
taken as a reference only when it names something the file declares; an interpolated
string keeps its `${...}` text.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pycep import BicepParser

from tests.support import PROJECT_ROOT

INFRA = PROJECT_ROOT / "infra"
MAIN = "main.bicep"


@dataclass(frozen=True)
class Bicep:
    """One parsed Bicep file."""

    path: Path
    tree: dict[str, Any]

    def section(self, name: str) -> dict[str, Any]:
        return self.tree.get(name) or {}

    @property
    def parameters(self) -> dict[str, Any]:
        return self.section("parameters")

    @property
    def variables(self) -> dict[str, Any]:
        return self.section("variables")

    @property
    def resources(self) -> dict[str, Any]:
        return self.section("resources")

    @property
    def modules(self) -> dict[str, Any]:
        return self.section("modules")

    def declares(self, name: str) -> bool:
        kinds = ("parameters", "variables", "resources", "modules")
        return any(name in self.section(kind) for kind in kinds)

    def variable(self, name: str) -> Any:
        return self.variables[name]["value"]

    def resources_of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {
            name: resource
            for name, resource in self.resources.items()
            if resource["type"].lower() == resource_type.lower()
        }

    def module(self, relative_path: str) -> dict[str, Any]:
        """The `config` of the one module declared from `relative_path` (e.g. app/rbac.bicep)."""
        found = [
            module["config"]
            for module in self.modules.values()
            if module["detail"]["path"] == relative_path
        ]
        assert len(found) == 1, f"{self.path.name}: {len(found)} modules from {relative_path}"
        return found[0]


@cache
def parser() -> BicepParser:
    """One parser for the session: building its grammar takes about a second."""
    return BicepParser(cache=False)


def parse_text(text: str) -> dict[str, Any]:
    return dict(parser().parse(text=text))


@cache
def parse(relative_path: str) -> Bicep:
    """Parse infra/<relative_path>; a file pycep cannot parse fails the test that reads it."""
    path = INFRA / relative_path
    return Bicep(path, parse_text(path.read_text(encoding="utf-8")))


def bicep_files() -> list[str]:
    return sorted(str(path.relative_to(INFRA)) for path in INFRA.rglob("*.bicep"))


def accessor(value: Any) -> tuple[str, ...]:
    """`identity.outputs.clientId` as ("identity", "outputs", "clientId"); a name as (name,)."""
    if isinstance(value, str):
        return (value,)
    operator = value.get("operator", {}) if isinstance(value, dict) else {}
    assert operator.get("type") == "property_accessor", f"not a reference: {value!r}"
    operands = operator["operands"]
    return accessor(operands["operand_1"]) + accessor(operands["operand_2"])


def function_call(value: Any, function: str) -> dict[str, Any]:
    """The parameters of `value`, which must be a call of `function` (pycep's snake_case)."""
    assert isinstance(value, dict) and "function" in value, f"not a call: {value!r}"
    call = value["function"]
    assert call["type"] == function, f"{call['type']} is not {function}"
    return call["parameters"]
