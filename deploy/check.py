"""`make deploy-check`: build every Kubernetes overlay and validate it offline and strictly, then check that the
manifests wire what the code needs. Prints one line per finding; exits non-zero on any.

1. deploy/k8s/generate.py's output is what is committed;
2. `kubectl kustomize` builds overlays/dev and overlays/prod;
3. built-in kinds validate strictly (kubernetes-validate) against Kubernetes KUBERNETES_VERSION, and the operators'
   custom resources (RabbitmqCluster, CloudNativePG Cluster) against their CRD schemas vendored in deploy/crds;
4. per service under services/: a migration Job running `--migrate-only`, a Deployment whose container port is
   the service's default port with readiness /readyz and liveness /healthz, its database URL wired from a Secret
   that exists (its CloudNativePG cluster's, or one in the output), a Service, HPA, PDB and NetworkPolicy, and
   an Ingress path for every path prefix its OpenAPI serves; every variable production settings require is set.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import yaml

ROOT = Path(__file__).resolve().parents[1]
KUBERNETES_VERSION = os.environ.get("KUBERNETES_VERSION", "1.34.0")
OVERLAYS = ("dev", "prod")
BIN = Path(sys.executable).parent
# Variables production refuses to start without (settings validators), beyond each service's database URL.
PROD_REQUIRED = {
    "HELPDESK_ENV",
    "HELPDESK_AMQP_URL",
    "HELPDESK_JWT_JWKS_URL",
    "HELPDESK_JWT_ISSUER",
    "HELPDESK_JWT_AUDIENCE",
}
Schemas = dict[tuple[str, str, str], dict[str, Any]]
# Secrets an operator writes at run time (not in the kustomize output): CloudNativePG's per-cluster app secret.
OPERATOR_SECRETS_SUFFIX = "-pg-app"


def crd_schemas() -> Schemas:
    """(group, version, kind) → the openAPIV3Schema of every vendored CRD."""
    schemas = {}
    for path in sorted((ROOT / "deploy" / "crds").glob("*.yaml")):
        crd = yaml.safe_load(path.read_text())
        spec = crd["spec"]
        for version in spec["versions"]:
            schemas[(spec["group"], version["name"], spec["names"]["kind"])] = version["schema"]["openAPIV3Schema"]
    return schemas


def build(overlay: str) -> list[dict[str, Any]]:
    output = subprocess.run(
        [str(BIN / "kubectl"), "kustomize", str(ROOT / "deploy" / "k8s" / "overlays" / overlay)],
        capture_output=True,
        text=True,
        check=False,
    )
    if output.returncode != 0:
        raise SystemExit(f"deploy-check: kubectl kustomize overlays/{overlay} failed: {output.stderr.strip()}")
    return [doc for doc in yaml.safe_load_all(output.stdout) if doc]


def validate(overlay: str, docs: list[dict[str, Any]], crds: Schemas) -> Iterator[str]:
    for doc in docs:
        where = f"{overlay}: {doc['kind']}/{doc['metadata']['name']}"
        group, _, version = doc["apiVersion"].rpartition("/")
        if (group, version, doc["kind"]) in crds:
            validator = jsonschema.Draft7Validator(crds[(group, version, doc["kind"])])
            for error in validator.iter_errors(doc):
                yield f"{where}: {'.'.join(str(p) for p in error.absolute_path)}: {error.message}"
            continue
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            yield f"{where}: {'.'.join(str(p) for p in error.path)}: {error.message}"
        except kubernetes_validate.SchemaNotFoundError:
            yield f"{where}: no schema for {doc['apiVersion']} {doc['kind']} (a custom resource with no CRD here?)"


def _service_prefixes(service: str) -> set[str]:
    """The first two segments (`/v1/tickets`) of every path the service's OpenAPI serves."""
    settings_module = importlib.import_module(f"helpdesk_{service}.settings")
    from helpdesk_servicekit.settings import ServiceSettings

    cls = next(
        v
        for v in vars(settings_module).values()
        if isinstance(v, type) and issubclass(v, ServiceSettings) and v.service_name == service
    )
    settings = cls(env="dev", jwt_secret="x" * 40, service_database_url="postgresql://x@127.0.0.1/x")
    app = importlib.import_module(f"helpdesk_{service}.main").build(settings)
    paths = set(app.openapi()["paths"])
    paths |= {route.path for route in app.routes if getattr(route, "path", "").startswith("/v1/")}  # WebSockets
    return {"/".join(p.split("/")[:3]) for p in paths if p.startswith("/v1/")}


def wiring(overlay: str, docs: list[dict[str, Any]]) -> Iterator[str]:
    by_kind: dict[str, dict[str, dict[str, Any]]] = {}
    for doc in docs:
        by_kind.setdefault(doc["kind"], {})[doc["metadata"]["name"]] = doc
    secrets = set(by_kind.get("Secret", {}))
    config = {k for cm in by_kind.get("ConfigMap", {}).values() for k in cm.get("data", {})}
    secret_keys = {
        k for s in by_kind.get("Secret", {}).values() for k in {**s.get("data", {}), **s.get("stringData", {})}
    }
    ingress_paths = {
        (path["path"], path["backend"]["service"]["name"])
        for ingress in by_kind.get("Ingress", {}).values()
        for rule in ingress["spec"]["rules"]
        for path in rule["http"]["paths"]
    }
    prod_env = {"HELPDESK_ENV", "HELPDESK_AMQP_URL", "HELPDESK_JWT_AUDIENCE"}
    needed = PROD_REQUIRED if overlay == "prod" else prod_env | {"HELPDESK_JWT_SECRET"}
    for variable in sorted(needed - config - secret_keys):
        yield f"{overlay}: {variable} is set by no ConfigMap or Secret"
    for service in sorted(p.name for p in (ROOT / "services").iterdir() if (p / "src").is_dir()):
        settings_module = importlib.import_module(f"helpdesk_{service}.settings")
        from helpdesk_servicekit.settings import ServiceSettings

        port = next(
            v.default_port
            for v in vars(settings_module).values()
            if isinstance(v, type) and issubclass(v, ServiceSettings) and v.service_name == service
        )
        for kind in ("Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy"):
            if service not in by_kind.get(kind, {}):
                yield f"{overlay}: {service}: no {kind}"
        job = by_kind.get("Job", {}).get(f"{service}-migrate")
        if job is None or job["spec"]["template"]["spec"]["containers"][0].get("args") != [service, "--migrate-only"]:
            yield f"{overlay}: {service}: no migration Job running `{service} --migrate-only`"
        deployment = by_kind.get("Deployment", {}).get(service)
        if deployment is None:
            continue
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        if container.get("args", [None])[0] != service:
            yield f"{overlay}: {service}: the container does not run `{service}`"
        if [p["containerPort"] for p in container.get("ports", [])] != [port]:
            yield f"{overlay}: {service}: container port is not {port}"
        if container.get("readinessProbe", {}).get("httpGet", {}).get("path") != "/readyz":
            yield f"{overlay}: {service}: readiness probe is not /readyz"
        if container.get("livenessProbe", {}).get("httpGet", {}).get("path") != "/healthz":
            yield f"{overlay}: {service}: liveness probe is not /healthz"
        context = deployment["spec"]["template"]["spec"].get("securityContext", {})
        if not context.get("runAsNonRoot"):
            yield f"{overlay}: {service}: pod does not run as non-root"
        for source in container.get("envFrom", []):
            ref = source.get("secretRef", {}).get("name")
            if ref and ref not in secrets:
                yield f"{overlay}: {service}: envFrom Secret {ref} is not defined"
        database = f"HELPDESK_{service.upper()}_DATABASE_URL"
        env = {e["name"]: e for e in container.get("env", [])}
        ref = env.get(database, {}).get("valueFrom", {}).get("secretKeyRef", {}).get("name")
        if ref is None and database not in secret_keys:
            yield f"{overlay}: {service}: {database} is not wired"
        elif ref and ref not in secrets and not ref.endswith(OPERATOR_SECRETS_SUFFIX):
            yield f"{overlay}: {service}: {database} comes from Secret {ref}, which nothing creates"
        if ref and ref.endswith(OPERATOR_SECRETS_SUFFIX) and ref.removesuffix("-app") not in by_kind.get("Cluster", {}):
            yield f"{overlay}: {service}: no CloudNativePG Cluster {ref.removesuffix('-app')} writes Secret {ref}"
        for prefix in sorted(_service_prefixes(service)):
            if (prefix, service) not in ingress_paths:
                yield f"{overlay}: {service}: the Ingress does not route {prefix} to it"
    if "notify" in by_kind.get("Deployment", {}) and "HELPDESK_SMTP_URL" not in secret_keys | config:
        yield f"{overlay}: notify: HELPDESK_SMTP_URL is set by no ConfigMap or Secret"


def main() -> int:
    generated = subprocess.run([sys.executable, str(ROOT / "deploy" / "k8s" / "generate.py"), "--check"], check=False)
    findings: list[str] = [] if generated.returncode == 0 else ["deploy/k8s/generate.py --check failed"]
    crds = crd_schemas()
    for overlay in OVERLAYS:
        docs = build(overlay)
        findings += list(validate(overlay, docs, crds))
        findings += list(wiring(overlay, docs))
        kinds: dict[str, int] = {}
        for doc in docs:
            kinds[doc["kind"]] = kinds.get(doc["kind"], 0) + 1
        print(f"deploy-check: overlays/{overlay}: {len(docs)} resources {json.dumps(kinds, sort_keys=True)}")
    for finding in findings:
        print(f"deploy-check: {finding}")
    print(f"deploy-check: {'FAILED, ' + str(len(findings)) + ' findings' if findings else 'ok'} "
          f"(Kubernetes {KUBERNETES_VERSION}, strict)")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
