"""The deployment files validate offline, and agree with the service they deploy.

Kubernetes manifests are checked against the Kubernetes API's JSON schemas (the
``kubernetes-validate`` package ships them), strictly, so an unknown or misspelt field fails. The
compose file is checked against the Compose Specification (``compose-pydantic``). Beyond the
schemas, the checks tie the files to the code: probe service names, metric names, the drain grace
against the termination grace, selectors against labels.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import compose_pydantic
import kubernetes_validate
import pytest
import yaml

from stigmer_sdk.service.app import PENDING_METRIC
from stigmer_sdk.service.config import parse_duration
from stigmer_sdk.service.health import READINESS_SERVICE

from helpers.paths import ROOT

DEPLOY = ROOT / "deploy"
KUBERNETES_VERSION = "1.33.0"


def _manifests() -> list[tuple[Path, dict[str, Any]]]:
    documents = []
    for path in sorted((DEPLOY / "k8s").glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            if document:
                documents.append((path, document))
    return documents


def _by_kind(kind: str) -> dict[str, Any]:
    (document,) = (doc for _, doc in _manifests() if doc["kind"] == kind)
    return document


def _arg(args: list[str], flag: str) -> str:
    (value,) = (arg.split("=", 1)[1] for arg in args if arg.startswith(f"{flag}="))
    return value


@pytest.mark.parametrize(
    ("path", "document"),
    [pytest.param(path, doc, id=f"{path.name}:{doc['kind']}") for path, doc in _manifests()],
)
def test_manifest_validates_against_the_kubernetes_schema(
    path: Path, document: dict[str, Any]
) -> None:
    kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


def test_a_misspelt_field_fails_validation() -> None:
    deployment = _by_kind("Deployment")
    broken = {**deployment, "spec": {**deployment["spec"], "replica": 3}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


def test_deployment_probes_the_grpc_health_service_and_drains_within_its_grace() -> None:
    spec = _by_kind("Deployment")["spec"]
    assert spec["replicas"] == 3
    pod = spec["template"]["spec"]
    (container,) = pod["containers"]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert _arg(container["args"], "--listen").endswith(f":{ports['grpc']}")
    # The kubelet's gRPC probe has no TLS and no credential: it probes the health-only port.
    health = ports["health"]
    assert _arg(container["args"], "--health-listen") == f"$(POD_IP):{health}"
    assert container["readinessProbe"]["grpc"] == {"port": health, "service": READINESS_SERVICE}
    assert container["livenessProbe"]["grpc"] == {"port": health}
    assert container["startupProbe"]["grpc"] == {"port": health}
    drain = parse_duration(_arg(container["args"], "--drain-grace")).total_seconds()
    assert pod["terminationGracePeriodSeconds"] > drain
    assert spec["strategy"]["rollingUpdate"]["maxUnavailable"] == 0


def test_deployment_runs_authenticated_over_tls_with_metrics_apart() -> None:
    pod = _by_kind("Deployment")["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    env = {variable["name"]: variable for variable in container["env"]}
    mounts = {mount["name"]: mount["mountPath"] for mount in container["volumeMounts"]}
    secrets = {volume["name"]: volume["secret"]["secretName"] for volume in pod["volumes"]}
    # TLS and API keys from Secrets, mounted read-only where the environment points.
    assert env["STIGMER_TLS_CERT"]["value"] == f"{mounts['tls']}/tls.crt"
    assert env["STIGMER_TLS_KEY"]["value"] == f"{mounts['tls']}/tls.key"
    assert env["STIGMER_API_KEYS_FILE"]["value"].startswith(f"{mounts['auth']}/")
    assert secrets == {"tls": "stigmer-service-tls", "auth": "stigmer-service"}
    assert all(mount["readOnly"] for mount in container["volumeMounts"])
    # Metrics (unauthenticated) on their own port at the pod's IP, not 0.0.0.0, not in the
    # Service; the NetworkPolicy lets only the monitoring namespace reach them.
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert _arg(container["args"], "--metrics-address") == f"$(POD_IP):{ports['metrics']}"
    assert env["POD_IP"]["valueFrom"]["fieldRef"]["fieldPath"] == "status.podIP"
    assert [port["name"] for port in _by_kind("Service")["spec"]["ports"]] == ["grpc"]
    policy = _by_kind("NetworkPolicy")["spec"]
    rules = {rule["ports"][0]["port"]: rule.get("from") for rule in policy["ingress"]}
    assert set(rules) == {"grpc", "metrics"}  # the health port: the kubelet only
    assert rules["grpc"] is None
    assert rules["metrics"] == [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}
    ]


def test_pdb_and_hpa_select_the_deployment_and_scale_on_the_pending_gauge() -> None:
    labels = _by_kind("Deployment")["spec"]["template"]["metadata"]["labels"]
    pdb = _by_kind("PodDisruptionBudget")["spec"]
    assert pdb["selector"]["matchLabels"].items() <= labels.items()
    assert pdb["minAvailable"] < _by_kind("Deployment")["spec"]["replicas"]
    hpa = _by_kind("HorizontalPodAutoscaler")["spec"]
    assert hpa["scaleTargetRef"]["name"] == _by_kind("Deployment")["metadata"]["name"]
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (3, 10)
    (metric,) = hpa["metrics"]
    assert metric["pods"]["metric"]["name"] == PENDING_METRIC
    service = _by_kind("Service")["spec"]
    assert service["selector"].items() <= labels.items()


def test_compose_file_follows_the_compose_specification() -> None:
    document = yaml.safe_load((DEPLOY / "compose" / "compose.yaml").read_text())
    compose_pydantic.ComposeSpecification.model_validate(document)
    service = document["services"]["stigmer-service"]
    assert service["deploy"]["replicas"] == 3
    drain = parse_duration(_arg(service["command"], "--drain-grace")).total_seconds()
    assert parse_duration(service["stop_grace_period"]).total_seconds() > drain
    assert service["environment"]["STIGMER_STORE_URL"].startswith("postgresql://")


def test_compose_service_runs_authenticated_over_tls_and_prometheus_loads_the_alerts() -> None:
    compose = DEPLOY / "compose"
    document = yaml.safe_load((compose / "compose.yaml").read_text())
    service = document["services"]["stigmer-service"]
    env = service["environment"]
    for variable, name in [
        ("STIGMER_TLS_CERT", "stigmer-tls-cert"),
        ("STIGMER_TLS_KEY", "stigmer-tls-key"),
        ("STIGMER_API_KEYS_FILE", "stigmer-api-keys"),
    ]:
        assert env[variable] == f"/run/secrets/{name}"
        assert name in service["secrets"]
        assert document["secrets"][name]["file"].startswith("./secrets/")
    # The health-only port stays inside the container, where the health check probes it.
    health = _arg(service["command"], "--health-listen")
    assert health.startswith("127.0.0.1:")
    assert f"'{health}'" in " ".join(service["healthcheck"]["test"])
    assert "ports" not in service  # nothing published on the host
    # Prometheus mounts deploy/prometheus/alerts.yaml and loads it.
    prometheus = document["services"]["prometheus"]
    targets = {config["source"]: config["target"] for config in prometheus["configs"]}
    rule_files = yaml.safe_load((compose / "prometheus.yml").read_text())["rule_files"]
    assert rule_files == [targets["alerts"]]
    alerts = (compose / document["configs"]["alerts"]["file"]).resolve()
    assert alerts == (DEPLOY / "prometheus" / "alerts.yaml").resolve()
    scrape = yaml.safe_load((compose / document["configs"]["prometheus"]["file"]).read_text())
    (job,) = scrape["scrape_configs"]
    metrics_port = int(_arg(service["command"], "--metrics-address").rsplit(":", 1)[1])
    assert job["dns_sd_configs"][0]["port"] == metrics_port


def test_compose_schema_rejects_an_unknown_service_key() -> None:
    document = yaml.safe_load((DEPLOY / "compose" / "compose.yaml").read_text())
    document["services"]["stigmer-service"]["replicas_typo"] = 3
    with pytest.raises(ValueError, match="replicas_typo"):
        compose_pydantic.ComposeSpecification.model_validate(document)


def test_the_compose_temporal_server_takes_the_fast_path() -> None:
    from stigmer_sdk.testing import FAST_PATH_DYNAMIC_CONFIG

    compose = DEPLOY / "compose"
    temporal = yaml.safe_load((compose / "compose.yaml").read_text())["services"]["temporal"]
    (mount,) = temporal["volumes"]
    source, target, _mode = mount.split(":")
    assert target == temporal["environment"]["DYNAMIC_CONFIG_FILE_PATH"]
    dynamic = yaml.safe_load((compose / source).read_text())
    assert {key: values[0]["value"] for key, values in dynamic.items()} == dict(
        FAST_PATH_DYNAMIC_CONFIG
    )
