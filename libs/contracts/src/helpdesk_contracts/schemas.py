"""JSON Schemas of every event, and the backward-compatibility check against the committed ones."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from helpdesk_contracts.envelope import Envelope
from helpdesk_contracts.registry import REGISTRY

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"


def event_schema(event_type: str, version: int) -> dict[str, Any]:
    """The JSON Schema of one event: the envelope with its typed payload."""
    envelope = Envelope.model_json_schema()
    payload = REGISTRY[(event_type, version)].model_json_schema(ref_template="#/$defs/{model}")
    defs = {**envelope.pop("$defs", {}), **payload.pop("$defs", {})}
    envelope["properties"]["payload"] = {"$ref": "#/$defs/Payload_"}
    defs["Payload_"] = payload
    envelope["$defs"] = defs
    envelope["title"] = f"{event_type} v{version}"
    return envelope


def current_schemas() -> dict[str, dict[str, Any]]:
    return {f"{t}.v{v}.json": event_schema(t, v) for (t, v) in sorted(REGISTRY)}


def write(directory: Path = SCHEMA_DIR) -> list[Path]:
    """Write every event's schema to `directory`; returns the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in current_schemas().items():
        path = directory / name
        path.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n")
        written.append(path)
    return written


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = root["$defs"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _types(schema: dict[str, Any], root: dict[str, Any]) -> set[str]:
    schema = _resolve(schema, root)
    if "anyOf" in schema:
        return set().union(*(_types(s, root) for s in schema["anyOf"]))
    kind = schema.get("type", "object" if "properties" in schema else "any")
    fmt = schema.get("format")
    return {f"{kind}:{fmt}" if fmt else str(kind)}


def incompatibilities(old: dict[str, Any], new: dict[str, Any], path: str = "") -> list[str]:
    """Why the two cannot read each other: removed, retyped or newly required fields, enum values added or removed."""
    problems: list[str] = []

    def walk(o: dict[str, Any], n: dict[str, Any], where: str) -> None:
        o, n = _resolve(o, old), _resolve(n, new)
        if not _types(o, old) <= _types(n, new) and "any" not in _types(n, new):
            problems.append(f"{where or '<root>'}: type {sorted(_types(o, old))} -> {sorted(_types(n, new))}")
            return
        o_enum, n_enum = set(o.get("enum", [])), set(n.get("enum", []))
        if o_enum and n_enum and not o_enum <= n_enum:
            problems.append(f"{where}: enum values removed {sorted(o_enum - n_enum)}")
        if o_enum and n_enum and not n_enum <= o_enum:
            # Strict readers: a consumer on the committed models would refuse (and dead-letter) the new value.
            problems.append(f"{where}: enum values added {sorted(n_enum - o_enum)} (a new schema_version)")
        for field in set(n.get("required", [])) - set(o.get("required", [])):
            problems.append(f"{where}.{field}: newly required")
        for field, sub in o.get("properties", {}).items():
            if field not in n.get("properties", {}):
                problems.append(f"{where}.{field}: removed")
            else:
                walk(sub, n["properties"][field], f"{where}.{field}")
        for key in ("items",):
            if key in o and key in n:
                walk(o[key], n[key], f"{where}[]")
        for variant in (s for s in o.get("anyOf", []) if "properties" in _resolve(s, old)):
            for candidate in n.get("anyOf", [n]):
                if "properties" in _resolve(candidate, new):
                    walk(variant, candidate, where)

    walk(old, new, path)
    return problems


def check(directory: Path = SCHEMA_DIR) -> list[str]:
    """Every committed schema must still be readable by the current models."""
    problems = []
    current = current_schemas()
    for path in sorted(directory.glob("*.json")):
        if path.name not in current:
            problems.append(f"{path.name}: event removed")
            continue
        committed = json.loads(path.read_text())
        problems += [f"{path.name}: {p}" for p in incompatibilities(committed, current[path.name])]
    return problems


if __name__ == "__main__":
    if sys.argv[1:] == ["check"]:
        found = check()
        print("\n".join(found) or "schemas compatible")
        sys.exit(1 if found else 0)
    for written_path in write():
        print(written_path.relative_to(Path.cwd()) if written_path.is_relative_to(Path.cwd()) else written_path)
