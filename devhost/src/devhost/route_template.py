"""HTTP trigger route templates, matched the way the Functions host (ASP.NET routing) does.

Supported: literal segments (case-insensitive), `{name}`, optional `{name?}`, defaults
`{name=value}`, catch-all `{*rest}`, several parameters in one segment (`{a}-{b}`) and the
inline constraints int, long, bool, datetime, decimal, double, float, guid, alpha,
minlength(n), maxlength(n), length(n|a,b), min(n), max(n), range(a,b) and regex(expr),
chainable as `{id:int:min(1)}`. A value that breaks a constraint means "no match", so
another route may take the request, and otherwise the host answers 404.
"""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)


class RouteTemplateError(ValueError):
    """A route template the host would refuse at start-up."""


@dataclass(frozen=True)
class RouteParameter:
    """One `{...}` token of a template."""

    name: str
    constraints: tuple[tuple[str, tuple[str, ...]], ...] = ()
    optional: bool = False
    default: str | None = None
    catch_all: bool = False

    def accepts(self, value: str) -> bool:
        """True when `value` satisfies every inline constraint."""
        return all(_check(kind, args, value) for kind, args in self.constraints)


@dataclass
class RouteTemplate:
    """A parsed route: a compiled matcher plus the parameters it binds."""

    text: str
    parameters: list[RouteParameter]
    precedence: str
    _pattern: re.Pattern[str] = field(repr=False)
    _groups: dict[str, RouteParameter] = field(repr=False)

    def match(self, path: str) -> dict[str, str] | None:
        """Bind `path` (decoded, without prefix or surrounding slashes) or return None."""
        found = self._pattern.fullmatch(path)
        if found is None:
            return None
        values: dict[str, str] = {}
        for group, parameter in self._groups.items():
            value = found.group(group)
            if value is None or value == "":
                if parameter.default is not None:
                    values[parameter.name] = parameter.default
                continue
            if not parameter.accepts(value):
                return None
            values[parameter.name] = value
        return values


def parse_route(text: str) -> RouteTemplate:
    """Parse a template such as `orders/{id:int}/{action?}`; raise RouteTemplateError."""
    segments = [s for s in text.strip().strip("/").split("/")] if text.strip("/ ") else []
    groups: dict[str, RouteParameter] = {}
    parameters: list[RouteParameter] = []
    pieces: list[str] = []
    digits: list[str] = []
    for index, segment in enumerate(segments):
        if segment == "":
            raise RouteTemplateError(f"route {text!r} has an empty segment")
        parts = _split_segment(segment, text)
        regex_parts: list[str] = []
        seg_params: list[RouteParameter] = []
        for part in parts:
            if isinstance(part, str):
                regex_parts.append(re.escape(part))
                continue
            if part.catch_all and index != len(segments) - 1:
                raise RouteTemplateError(f"catch-all {{*{part.name}}} must be last in {text!r}")
            group = f"p{len(groups)}"
            groups[group] = part
            seg_params.append(part)
            body = ".*" if part.catch_all else ("[^/]+?" if len(parts) > 1 else "[^/]+")
            regex_parts.append(f"(?P<{group}>{body})")
        parameters.extend(seg_params)
        digits.append(_precedence_digit(parts))
        segment_regex = "".join(regex_parts)
        lone = len(parts) == 1 and not isinstance(parts[0], str)
        may_be_empty = lone and (
            seg_params[0].optional or seg_params[0].default is not None or seg_params[0].catch_all
        )
        separator = "/" if index > 0 else ""
        if may_be_empty:
            pieces.append(f"(?:{separator}{segment_regex})?")
        else:
            pieces.append(separator + segment_regex)
    names = [p.name.lower() for p in parameters]
    if len(names) != len(set(names)):
        raise RouteTemplateError(f"route {text!r} repeats a parameter name")
    pattern = re.compile("".join(pieces), re.IGNORECASE | re.DOTALL)
    return RouteTemplate(text, parameters, "".join(digits), pattern, groups)


def _split_segment(segment: str, text: str) -> list[str | RouteParameter]:
    """Split one path segment into literal text and parameters."""
    parts: list[str | RouteParameter] = []
    position = 0
    while position < len(segment):
        start = segment.find("{", position)
        if start < 0:
            parts.append(segment[position:])
            break
        if start > position:
            parts.append(segment[position:start])
        end = _closing_brace(segment, start, text)
        parts.append(_parse_parameter(segment[start + 1 : end], text))
        position = end + 1
    for left, right in itertools.pairwise(parts):
        if not isinstance(left, str) and not isinstance(right, str):
            raise RouteTemplateError(f"route {text!r} has two adjacent parameters")
    return parts


def _closing_brace(segment: str, start: int, text: str) -> int:
    depth = 0
    for position in range(start, len(segment)):
        if segment[position] == "(":
            depth += 1
        elif segment[position] == ")":
            depth -= 1
        elif segment[position] == "}" and depth == 0:
            return position
    raise RouteTemplateError(f"route {text!r} has an unclosed '{{'")


def _parse_parameter(token: str, text: str) -> RouteParameter:
    catch_all = token.startswith("*")
    token = token.lstrip("*")
    default: str | None = None
    head, *constraint_texts = _split_top_level(token, ":")
    if constraint_texts and "=" in constraint_texts[-1] and ")" not in constraint_texts[-1]:
        constraint_texts[-1], default = constraint_texts[-1].split("=", 1)
    elif "=" in head:
        head, default = head.split("=", 1)
    optional = False
    if constraint_texts and constraint_texts[-1].endswith("?"):
        constraint_texts[-1] = constraint_texts[-1][:-1]
        optional = True
    if head.endswith("?"):
        head, optional = head[:-1], True
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", head):
        raise RouteTemplateError(f"route {text!r} has a bad parameter name {head!r}")
    constraints = tuple(_parse_constraint(c, text) for c in constraint_texts)
    return RouteParameter(head, constraints, optional, default, catch_all)


def _split_top_level(token: str, separator: str) -> list[str]:
    """Split on `separator` outside parentheses (regex constraints may contain it)."""
    pieces, depth, current = [], 0, ""
    for char in token:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == separator and depth == 0:
            pieces.append(current)
            current = ""
        else:
            current += char
    pieces.append(current)
    return pieces


def _parse_constraint(text: str, route: str) -> tuple[str, tuple[str, ...]]:
    found = re.fullmatch(r"([A-Za-z]+)(?:\((.*)\))?", text, re.DOTALL)
    if found is None or found.group(1).lower() not in _CHECKS:
        raise RouteTemplateError(f"route {route!r} has an unknown constraint {text!r}")
    kind = found.group(1).lower()
    raw = found.group(2)
    if raw is None:
        args: tuple[str, ...] = ()
    elif kind == "regex":  # braces inside a template regex are written doubled
        args = (raw.replace("{{", "{").replace("}}", "}"),)
    else:
        args = tuple(a.strip() for a in raw.split(","))
    return kind, args


def _precedence_digit(parts: list[str | RouteParameter]) -> str:
    """ASP.NET's per-segment precedence: lower digits win when routes overlap."""
    if all(isinstance(p, str) for p in parts):
        return "1"
    if len(parts) > 1:
        return "2"
    parameter = parts[0]
    assert isinstance(parameter, RouteParameter)
    if parameter.catch_all:
        return "5" if parameter.constraints else "6"
    return "3" if parameter.constraints else "4"


def _is_int(value: str, bounds: tuple[int, int]) -> bool:
    if not re.fullmatch(r"[+-]?\d+", value.strip()):
        return False
    return bounds[0] <= int(value) <= bounds[1]


def _is_float(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def _is_guid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _is_datetime(value: str) -> bool:
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _length_ok(value: str, args: tuple[str, ...]) -> bool:
    if len(args) == 1:
        return len(value) == int(args[0])
    return int(args[0]) <= len(value) <= int(args[1])


def _number(value: str) -> float | None:
    return float(value) if _is_float(value) else None


def _in_range(value: str, low: float | None, high: float | None) -> bool:
    number = _number(value)
    if number is None:
        return False
    return (low is None or number >= low) and (high is None or number <= high)


_CHECKS: dict[str, Callable[[str, tuple[str, ...]], bool]] = {
    "int": lambda v, a: _is_int(v, _INT32),
    "long": lambda v, a: _is_int(v, _INT64),
    "bool": lambda v, a: v.lower() in ("true", "false"),
    "datetime": lambda v, a: _is_datetime(v),
    "decimal": lambda v, a: _is_float(v),
    "double": lambda v, a: _is_float(v),
    "float": lambda v, a: _is_float(v),
    "guid": lambda v, a: _is_guid(v),
    "alpha": lambda v, a: re.fullmatch(r"[A-Za-z]+", v) is not None,
    "minlength": lambda v, a: len(v) >= int(a[0]),
    "maxlength": lambda v, a: len(v) <= int(a[0]),
    "length": _length_ok,
    "min": lambda v, a: _in_range(v, float(a[0]), None),
    "max": lambda v, a: _in_range(v, None, float(a[0])),
    "range": lambda v, a: _in_range(v, float(a[0]), float(a[1])),
    "regex": lambda v, a: re.search(a[0], v, re.IGNORECASE) is not None,
}


def _check(kind: str, args: tuple[str, ...], value: str) -> bool:
    return _CHECKS[kind](value, args)
