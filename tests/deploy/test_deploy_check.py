"""make deploy-check finds what it is meant to: a strictly invalid field, a broken custom resource, a miswired
service. (The clean build passing is checked by `make deploy-check` itself in CI.)"""

from __future__ import annotations

import copy
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("deploy_check", ROOT / "deploy" / "check.py")
assert spec and spec.loader
check = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check)


@pytest.fixture(scope="module")
def prod() -> list[dict]:
    return check.build("prod")


def _find(docs, kind, name):
    return next(d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name)


def test_the_prod_overlay_is_clean(prod):
    assert list(check.validate("prod", prod, check.crd_schemas())) == []
    assert list(check.wiring("prod", prod)) == []


def test_an_unknown_field_fails_strict_validation(prod):
    docs = copy.deepcopy(prod)
    _find(docs, "Deployment", "sla")["spec"]["replica"] = 3
    assert any("Deployment/sla" in f for f in check.validate("prod", docs, check.crd_schemas()))


def test_a_broken_custom_resource_fails_against_its_crd(prod):
    docs = copy.deepcopy(prod)
    _find(docs, "RabbitmqCluster", "helpdesk-rabbitmq")["spec"]["replicas"] = "three"
    _find(docs, "Cluster", "helpdesk-tickets-pg")["spec"]["instances"] = "two"
    findings = list(check.validate("prod", docs, check.crd_schemas()))
    assert any("RabbitmqCluster" in f for f in findings) and any("Cluster/helpdesk-tickets-pg" in f for f in findings)


def test_miswired_services_are_named(prod):
    docs = copy.deepcopy(prod)
    container = _find(docs, "Deployment", "knowledge")["spec"]["template"]["spec"]["containers"][0]
    container["readinessProbe"]["httpGet"]["path"] = "/healthz"
    container["ports"][0]["containerPort"] = 9999
    ingress = _find(docs, "Ingress", "helpdesk")
    ingress["spec"]["rules"][0]["http"]["paths"] = [
        p for p in ingress["spec"]["rules"][0]["http"]["paths"] if p["path"] != "/v1/kb"
    ]
    docs.remove(_find(docs, "Job", "feedback-migrate"))
    findings = list(check.wiring("prod", docs))
    assert "prod: knowledge: readiness probe is not /readyz" in findings
    assert "prod: knowledge: container port is not 8104" in findings
    assert "prod: knowledge: the Ingress does not route /v1/kb to it" in findings
    assert any(f.startswith("prod: feedback: no migration Job") for f in findings)
