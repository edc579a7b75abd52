"""Rules of the architecture that the code itself must keep (docs/architecture.md)."""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

import pytest

from helpdesk_contracts.topology import CONSUMES
from helpdesk_servicekit.consumers import EventConsumers

ROOT = Path(__file__).resolve().parents[2]
SERVICES = sorted(p.name for p in (ROOT / "services").iterdir() if (p / "src").is_dir())
SOURCES = sorted(
    p
    for p in [*ROOT.glob("services/*/src/**/*.py"), *ROOT.glob("libs/*/src/**/*.py")]
    if "helpdesk_servicekit" not in p.parts
)
# Writing the outbox table, or waking workers with NOTIFY (which inside a transaction takes PostgreSQL's global
# notify lock at commit): servicekit's outbox.Producer and wakeup own both.
OUTBOX_WRITE = re.compile(r"(INSERT\s+INTO\s+outbox|UPDATE\s+outbox|DELETE\s+FROM\s+outbox)", re.IGNORECASE)
NOTIFY = re.compile(r"(?i:pg_notify\s*\()|[\"'`]\s*NOTIFY\s")  # the SQL keyword is written in capitals here


def test_the_rules_see_every_service_and_library():
    assert {"tickets", "sla", "routing", "knowledge", "feedback", "notify"} <= set(SERVICES)
    assert len(SOURCES) > 50


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_outside_servicekit_writes_the_outbox_or_sends_notify(path):
    text = path.read_text()
    assert not OUTBOX_WRITE.search(text), f"{path}: only servicekit's outbox.Producer writes the outbox"
    assert not NOTIFY.search(text), f"{path}: wake workers with servicekit's wakeup, after commit"


def test_the_rule_catches_what_it_is_meant_to():
    assert OUTBOX_WRITE.search("WITH o AS (insert into outbox (event_id) SELECT 1)")
    assert NOTIFY.search("SELECT pg_notify($1, '')") and NOTIFY.search('await conn.execute(f"NOTIFY {channel}")')
    assert not NOTIFY.search("notify emails the customer") and not NOTIFY.search("woken by NOTIFY when")
    assert not NOTIFY.search('"notify consumes it"')


def _subscribers(service: str) -> set[str]:
    """The event types the service's EventConsumers handle, found in the modules its app imports."""
    importlib.import_module(f"helpdesk_{service}.main")
    modules = [m for name, m in list(sys.modules.items()) if name.startswith(f"helpdesk_{service}.")]
    found = {id(v): v for m in modules for v in vars(m).values() if isinstance(v, EventConsumers)}
    assert all(c.service == service for c in found.values())
    return set().union(*(set(c.handlers) for c in found.values())) if found else set()


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_subscribes_to_exactly_what_the_topology_declares(service):
    assert _subscribers(service) == set(CONSUMES.get(service, ()))


def test_migration_revision_ids_are_unique_across_the_workspace_and_name_their_service():
    revisions: dict[str, Path] = {}
    for path in sorted(ROOT.glob("services/*/migrations/versions/*.py")):
        match = re.search(r'^revision: str = "([^"]+)"', path.read_text(), re.MULTILINE)
        assert match, f"{path}: no revision id"
        revision, service = match.group(1), path.parents[2].name
        assert revision.startswith(f"{service}_"), f"{path}: {revision} does not name {service}"
        assert revision not in revisions, f"{path}: {revision} also in {revisions[revision]}"
        revisions[revision] = path
    assert len(revisions) >= 6
