"""The cross-merchant check itself: it must fail on a leak, or the fuzz test could pass while proving nothing."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest
from hypothesis import find

THEIRS = "0e831660-5981-5768-b629-c39c6aaa9ed0"
OURS = "5c3e00ad-092b-4b92-9dbd-98fdfd3b089b"


@pytest.fixture
def hooks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    ids = tmp_path / "ids.txt"
    ids.write_text(f"{THEIRS}\n")
    monkeypatch.setenv("HELPDESK_FUZZ_FOREIGN_IDS", str(ids))
    spec = importlib.util.spec_from_file_location("fuzz_hooks", Path(__file__).with_name("hooks.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.foreign_ids.cache_clear()
    return module


def exchange(path: str, status: int, body: Any, **path_parameters: str) -> tuple[Any, Any]:
    request = SimpleNamespace(url=f"http://t{path}", body=None)
    response = SimpleNamespace(status_code=status, content=json.dumps(body).encode(), request=request)
    return response, SimpleNamespace(path_parameters=path_parameters)


def test_another_merchants_id_in_a_response_fails(hooks: ModuleType) -> None:
    response, case = exchange("/v1/tickets", 200, {"items": [{"id": OURS}, {"id": THEIRS}]})
    with pytest.raises(AssertionError, match="another merchant's ids"):
        hooks.tenant_isolation(None, response, case)


def test_a_2xx_for_another_merchants_object_fails_and_a_404_passes(hooks: ModuleType) -> None:
    found, case = exchange(f"/v1/tickets/{THEIRS}", 200, {"id": THEIRS}, ticket_id=THEIRS)
    with pytest.raises(AssertionError, match="expected 404"):
        hooks.tenant_isolation(None, found, case)
    hidden, case = exchange(f"/v1/tickets/{THEIRS}", 404, {"instance": f"/v1/tickets/{THEIRS}"}, ticket_id=THEIRS)
    assert hooks.tenant_isolation(None, hidden, case) is None


def test_an_empty_list_filtered_by_their_id_passes(hooks: ModuleType) -> None:
    response, case = exchange(f"/v1/surveys/tickets/{THEIRS}/invitations", 200, [], ticket_id=THEIRS)
    assert hooks.tenant_isolation(None, response, case) is None


def test_their_id_is_swapped_into_a_uuid_path_parameter(hooks: ModuleType) -> None:
    strategy = hooks.flatmap_path_parameters(None, {"ticket_id": OURS, "tag": "x"})
    swapped = {"ticket_id": THEIRS, "tag": "x"}
    assert find(strategy, lambda drawn: drawn["ticket_id"] != OURS) == swapped
