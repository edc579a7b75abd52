"""schemathesis hooks for the fuzz runs (loaded with SCHEMATHESIS_HOOKS=<this file>), configured by environment.

- HELPDESK_FUZZ_CALLS: a file each response appends one JSON line to (operation, status, the ids its 2xx body
  carried, whether the request carried another merchant's id), so the test can count what the run reached.
- HELPDESK_FUZZ_FOREIGN_IDS: a file of another merchant's ids (one a line). The `tenant_isolation` check fails
  when a response carries one the request did not, or answers 2xx to a path naming one; and path parameters
  are sometimes replaced by one of them, so the run asks for the other merchant's objects by their real ids.
"""

from __future__ import annotations

import functools
import json
import os
import re
import uuid
from typing import Any

import schemathesis
from hypothesis import strategies as st

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)


def uuids_in(data: bytes | str | None) -> set[str]:
    if not data:
        return set()
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    return {match.lower() for match in UUID.findall(text)}


@functools.cache
def foreign_ids() -> frozenset[str]:
    path = os.environ.get("HELPDESK_FUZZ_FOREIGN_IDS")
    if not path:
        return frozenset()
    with open(path) as lines:
        return frozenset(line.strip() for line in lines if line.strip())


def _sent(response: Any) -> set[str]:
    """Every id the request carried, in its URL or body."""
    request = response.request
    return uuids_in(request.url) | uuids_in(request.body)


def _is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


@schemathesis.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any] | None) -> Any:
    """Now and then, one uuid path parameter names an object of the other merchant."""
    foreign = sorted(foreign_ids())
    keys = sorted(k for k, v in (path_parameters or {}).items() if _is_uuid(v))
    if not foreign or not keys or path_parameters is None:
        return st.just(path_parameters)
    given = path_parameters
    swapped = st.tuples(st.sampled_from(keys), st.sampled_from(foreign)).map(lambda kv: {**given, kv[0]: kv[1]})
    return st.one_of(st.just(given), swapped)


@schemathesis.hook
def after_call(context: Any, case: Any, response: Any) -> None:
    path = os.environ.get("HELPDESK_FUZZ_CALLS")
    if not path:
        return
    status = response.status_code
    line = {
        "operation": case.operation.label,
        "status": status,
        "ids": sorted(uuids_in(response.content)) if 200 <= status < 300 else [],
        "foreign": bool(_sent(response) & foreign_ids()),
    }
    with open(path, "a") as calls:
        calls.write(json.dumps(line) + "\n")


@schemathesis.check
def tenant_isolation(ctx: Any, response: Any, case: Any) -> bool | None:
    """No response shows another merchant's object: no id of theirs the request did not carry, no 2xx for one."""
    foreign = foreign_ids()
    if not foreign:
        return None
    sent = _sent(response)
    leaked = (uuids_in(response.content) & foreign) - sent
    assert not leaked, f"the response carries another merchant's ids: {sorted(leaked)}"
    named = {str(v).lower() for v in (case.path_parameters or {}).values()} & foreign
    assert not (named and 200 <= response.status_code < 300 and not _empty(response.content)), (
        f"{response.status_code} for another merchant's object {sorted(named)} (expected 404)"
    )
    return None


def _empty(content: bytes) -> bool:
    """An empty list (or page): a filter by an id this service does not own (e.g. a ticket's) may find nothing."""
    try:
        body = json.loads(content)
    except ValueError:
        return False
    return body == [] or (isinstance(body, dict) and body.get("items") == [])
