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

from stigmer_sdk.cli import parse_duration
from stigmer_sdk.service.app import PENDING_METRIC
from stigmer_sdk.service.health import READINESS_SERVICE

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
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
    grpc_port = next(p["containerPort"] for p in container["ports"] if p["name"] == "grpc")
    assert _arg(container["args"], "--listen").endswith(f":{grpc_port}")
    assert container["readinessProbe"]["grpc"] == {"port": grpc_port, "service": READINESS_SERVICE}
    assert container["livenessProbe"]["grpc"] == {"port": grpc_port}
    drain = parse_duration(_arg(container["args"], "--drain-grace")).total_seconds()
    assert pod["terminationGracePeriodSeconds"] > drain
    assert spec["strategy"]["rollingUpdate"]["maxUnavailable"] == 0


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
