"""Security tests. The ones that start all six services (the authorization matrix, the internal-note leak check)
run in the `isolated` session, as the integration flows do: they need the database server's connections."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
# Files whose tests start the whole platform (tests/integration/conftest.py's platform_of).
PLATFORM_FILES = {"test_authz_matrix.py", "test_note_leaks.py"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        path = Path(str(item.fspath)).resolve()
        if path.parent == HERE and path.name in PLATFORM_FILES:
            item.add_marker(pytest.mark.isolated)
