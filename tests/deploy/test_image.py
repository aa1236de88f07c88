"""The deployment as shipped runs: the image's install, command and environment, for real.

No container builder runs in ``make test`` (it would need root, a base image and a registry), so
this test does what the image does instead (docs/deployment.md, "The image"):

- installs the service into a fresh virtual environment with ``deploy/install.sh``, the script
  the Dockerfile runs: every dependency from the hashed lock file, then the package;
- runs the container's command, arguments and environment exactly as the Kubernetes Deployment
  and the compose file give them, with the Secrets' files (throwaway certificates and API keys)
  where the manifests mount them. Only what a cluster would supply differs: ``$(POD_IP)`` is
  127.0.0.1, the ports are free ones, Temporal is the test's dev server (on a task queue of its
  own), the store a SQLite file;
- checks that it answers an unauthenticated health check (on the probe's port, and on the TLS
  port) and an authenticated create over TLS, and refuses an unauthenticated create; for compose,
  its health check command passes.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import shlex
import subprocess
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import grpc.aio
import pytest
import yaml
from grpc_health.v1 import health_pb2, health_pb2_grpc

from stigmer_sdk import AgentExecution, AgentExecutionSpec, StigmerClient, StigmerRPCError
from stigmer_sdk.client import NO_RETRY, ClientOptions, TLSConfig
from stigmer_sdk.service.auth import hash_api_key
from stigmer_sdk.service.health import READINESS_SERVICE
from stigmer_sdk.testing import DevServer, free_port

from helpers.paths import ROOT
from helpers.tls import issue as _issue

pytestmark = pytest.mark.integration

DEPLOY = ROOT / "deploy"
CALLER_KEY = "image-test-" + uuid.uuid4().hex


def _dockerfile() -> dict[str, list[str]]:
    """Instruction → its arguments, in order (continuation lines joined, comments dropped)."""
    text = re.sub(r"\\\n", " ", (DEPLOY / "Dockerfile").read_text())
    instructions: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, rest = line.strip().partition(" ")
            instructions.setdefault(name, []).append(rest.strip())
    return instructions


@pytest.fixture(scope="module")
def image_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv installed as the Dockerfile installs ``/opt/stigmer``."""
    dockerfile = _dockerfile()
    (run,) = (line for line in dockerfile["RUN"] if "install.sh" in line)
    assert shlex.split(run) == ["sh", "deploy/install.sh", "/opt/stigmer", "/app"]
    assert any("PATH=/opt/stigmer/bin:$PATH" in line for line in dockerfile["ENV"])
    venv = tmp_path_factory.mktemp("image") / "opt-stigmer"
    env = {key: value for key, value in os.environ.items() if not key.startswith("VIRTUAL_ENV")}
    subprocess.run(
        ["sh", str(DEPLOY / "install.sh"), str(venv), str(ROOT)],
        check=True,
        env=env,
        timeout=600,
    )
    return venv


@dataclass(frozen=True)
class Secrets:
    """What the Secrets hold: a throwaway CA, the server's certificate and key, the API keys."""

    ca: bytes
    cert: bytes
    key: bytes
    api_keys: str
    encryption_key: str


@pytest.fixture(scope="module")
def secrets() -> Secrets:
    ca, ca_name, ca_key = _issue("image-test-ca", None, ca=True)
    server, _, _ = _issue("localhost", (ca_name, ca_key), ca=False)
    return Secrets(
        ca.cert,
        server.cert,
        server.key,
        f"{hash_api_key(CALLER_KEY)} billing caller\n",
        base64.b64encode(os.urandom(32)).decode(),
    )


@dataclass
class Shipped:
    """A container's command line and environment, taken from a manifest."""

    args: list[str]
    #: As the container sees it: file paths are the manifest's.
    env: dict[str, str]
    #: The compose health check's command, if any.
    healthcheck: list[str] | None
    grpc_port: int
    health_port: int
    #: Path in the container → the file or directory of this test that a Secret puts there.
    mounts: dict[str, Path]


def _k8s(secrets: Secrets, files: Path, store: str) -> Shipped:
    documents = yaml.safe_load_all((DEPLOY / "k8s" / "stigmer-service.yaml").read_text())
    (deployment,) = (doc for doc in documents if doc["kind"] == "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    secret_values = {
        ("stigmer-service", "store-url"): store,
        ("stigmer-service", "token-encryption-key"): secrets.encryption_key,
        ("stigmer-service", "api-keys"): secrets.api_keys,
        ("stigmer-service-tls", "tls.crt"): secrets.cert.decode(),
        ("stigmer-service-tls", "tls.key"): secrets.key.decode(),
    }
    # Each Secret volume's files, where the container mounts it.
    mounts: dict[str, Path] = {}
    for volume in pod["volumes"]:
        name = volume["secret"]["secretName"]
        (mount,) = (m for m in container["volumeMounts"] if m["name"] == volume["name"])
        directory = files / volume["name"]
        directory.mkdir()
        items = volume["secret"].get("items") or [
            {"key": key, "path": key} for (secret, key) in secret_values if secret == name
        ]
        for item in items:
            (directory / item["path"]).write_text(secret_values[(name, item["key"])])
        mounts[mount["mountPath"]] = directory
    env: dict[str, str] = {}
    for variable in container["env"]:
        if "value" in variable:
            env[variable["name"]] = variable["value"]
        elif "secretKeyRef" in variable["valueFrom"]:
            ref = variable["valueFrom"]["secretKeyRef"]
            env[variable["name"]] = secret_values[(ref["name"], ref["key"])]
        else:
            assert variable["valueFrom"]["fieldRef"]["fieldPath"] == "status.podIP"
            env[variable["name"]] = "127.0.0.1"
    # The kubelet expands $(VAR) in args from the container's environment.
    args = [re.sub(r"\$\((\w+)\)", lambda m: env[m.group(1)], arg) for arg in container["args"]]
    probe_port = container["readinessProbe"]["grpc"]["port"]
    assert container["readinessProbe"]["grpc"]["service"] == READINESS_SERVICE
    return Shipped(args, env, None, ports["grpc"], probe_port, mounts)


def _compose(secrets: Secrets, files: Path, store: str) -> Shipped:
    document = yaml.safe_load((DEPLOY / "compose" / "compose.yaml").read_text())
    service = document["services"]["stigmer-service"]
    secret_texts = {
        "tls.crt": secrets.cert.decode(),
        "tls.key": secrets.key.decode(),
        "api-keys": secrets.api_keys,
    }
    mounts: dict[str, Path] = {}
    for name in service["secrets"]:
        path = files / name
        path.write_text(secret_texts[Path(document["secrets"][name]["file"]).name])
        mounts[f"/run/secrets/{name}"] = path
    interpolated = {"STIGMER_TOKEN_ENCRYPTION_KEY": secrets.encryption_key}
    env = {}
    for name, value in service["environment"].items():
        value = re.sub(r"\$\{(\w+)(:\?[^}]*)?\}", lambda m: interpolated[m.group(1)], value)
        env[name] = str(value)
    env["STIGMER_STORE_URL"] = store  # the compose PostgreSQL is not here
    grpc_port = int(_flag(service["command"], "--listen").rsplit(":", 1)[1])
    health_port = int(_flag(service["command"], "--health-listen").rsplit(":", 1)[1])
    return Shipped(
        list(service["command"]),
        env,
        service["healthcheck"]["test"],
        grpc_port,
        health_port,
        mounts,
    )


def _flag(args: list[str], flag: str) -> str:
    (value,) = (arg.split("=", 1)[1] for arg in args if arg.startswith(f"{flag}="))
    return value


def _mapped(value: str, mounts: dict[str, Path]) -> str:
    for mount, directory in mounts.items():
        if value.startswith(mount):
            return str(directory) + value[len(mount) :]
    return value


def _with_free_ports(shipped: Shipped, *ports: int) -> tuple[Shipped, dict[int, int]]:
    """The same command with each of ``ports`` moved to a free one (tests share this host)."""
    moved = {port: free_port() for port in ports}

    def move(text: str) -> str:
        for old, new in moved.items():
            text = re.sub(rf":{old}\b", f":{new}", text)
        return text

    return (
        Shipped(
            [move(arg) for arg in shipped.args],
            shipped.env,
            [move(part) for part in shipped.healthcheck] if shipped.healthcheck else None,
            moved[shipped.grpc_port],
            moved[shipped.health_port],
            shipped.mounts,
        ),
        moved,
    )


#: A built image to run instead of the fresh venv, e.g. ``localhost/stigmer-sdk:0.1.0`` (built
#: with buildah as docs/deployment.md shows; run with buildah's chroot isolation, which needs
#: root). Unset in ``make test``, which builds no image.
IMAGE = os.environ.get("STIGMER_TEST_IMAGE", "")


@dataclass
class Running:
    shipped: Shipped
    #: Runs a command in the service's environment (the venv, or a container of the image).
    run: Any


@pytest.fixture(params=["k8s", "compose"])
async def running(
    request: pytest.FixtureRequest,
    secrets: Secrets,
    dev_server: DevServer,
    tmp_path: Path,
) -> AsyncIterator[Running]:
    files = tmp_path / "secrets"
    files.mkdir()
    data = tmp_path / "data"
    data.mkdir()
    data.chmod(0o777)  # the image runs as uid 10001
    store_in_container = "/var/lib/stigmer" if IMAGE else str(data)
    store = f"sqlite:///{store_in_container}/stigmer.db"
    read = _k8s if request.param == "k8s" else _compose
    shipped = read(secrets, files, store)
    metrics = _flag(shipped.args, "--metrics-address")
    assert not metrics.startswith(("0.0.0.0", "[::]")) or request.param == "compose"
    shipped, _ = _with_free_ports(
        shipped, shipped.grpc_port, shipped.health_port, int(metrics.rsplit(":", 1)[1])
    )
    env = {
        **shipped.env,
        # What a cluster supplies: its Temporal, and (here, on a shared dev server) a task queue
        # of this test's own.
        "TEMPORAL_ADDRESS": dev_server.target,
        "STIGMER_TASK_QUEUE": f"image-{uuid.uuid4().hex[:8]}",
    }
    container = ""
    if IMAGE:
        for path in (*shipped.mounts.values(), *files.iterdir()):
            path.chmod(0o755 if path.is_dir() else 0o644)
        volumes = [f"{host}:{inside}:ro" for inside, host in shipped.mounts.items()]
        volumes.append(f"{data}:{store_in_container}")
        inspect = ["buildah", "inspect", "--type", "image", IMAGE]
        described = subprocess.run(inspect, capture_output=True, check=True).stdout
        config = json.loads(described)["OCIv1"]["config"]
        assert config["Entrypoint"] == ["stigmer-sdk"]
        container = subprocess.run(
            ["buildah", "from", IMAGE], capture_output=True, text=True, check=True
        ).stdout.strip()

        def command(argv: list[str], environment: dict[str, str]) -> list[str]:
            return [
                "buildah",
                "run",
                "--isolation",
                "chroot",
                "--user",
                config["User"],
                *(f"--volume={volume}" for volume in volumes),
                *(f"--env={name}={value}" for name, value in environment.items()),
                container,
                "--",
                *argv,
            ]

        serve = command(["stigmer-sdk", *shipped.args], env)
    else:
        venv = request.getfixturevalue("image_venv")  # installed once per module
        path = f"{venv / 'bin'}:/usr/bin:/bin"
        mapped = {name: _mapped(value, shipped.mounts) for name, value in env.items()}

        def command(argv: list[str], environment: dict[str, str]) -> list[str]:
            return ["env", "-i", f"PATH={path}", f"HOME={tmp_path}", *_pairs(environment), *argv]

        serve = command(["stigmer-sdk", *shipped.args], mapped)
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen(serve, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)
    try:
        await _wait_ready(f"127.0.0.1:{shipped.health_port}", process, tmp_path / "serve.log")
        yield Running(shipped, lambda argv: command(argv, {}))
    finally:
        process.terminate()
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        if container:
            subprocess.run(["buildah", "rm", container], capture_output=True, check=False)


def _pairs(environment: dict[str, str]) -> list[str]:
    return [f"{name}={value}" for name, value in environment.items()]


async def _wait_ready(target: str, process: subprocess.Popen[Any], log: Path) -> None:
    for _ in range(240):
        if process.poll() is not None:
            pytest.fail(f"serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            if await _check(grpc.aio.insecure_channel(target), READINESS_SERVICE) == 1:
                return
        except grpc.aio.AioRpcError:
            pass
        await asyncio.sleep(0.25)
    pytest.fail(f"serve not ready on {target}:\n{log.read_text()}")


async def _check(channel: grpc.aio.Channel, service: str) -> int:
    async with channel:
        response = await health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service=service), timeout=5
        )
        return int(response.status)


def _ask() -> AgentExecution:
    request = AgentExecution(
        api_version="agentic.stigmer.ai/v1",
        kind="AgentExecution",
        spec=AgentExecutionSpec(agent_id="research-assistant", message="from the image test"),
    )
    request.metadata.name = f"image-{uuid.uuid4().hex[:12]}"
    return request


async def test_the_shipped_command_answers_health_and_authenticated_creates(
    running: Running, secrets: Secrets
) -> None:
    shipped = running.shipped
    serving = health_pb2.HealthCheckResponse.SERVING
    target = f"localhost:{shipped.grpc_port}"
    # The probe's port: plaintext, no credential.
    assert (
        await _check(grpc.aio.insecure_channel(f"127.0.0.1:{shipped.health_port}"), "") == serving
    )
    # The API port: TLS with the Secret's certificate; the health check needs no credential.
    credentials = grpc.ssl_channel_credentials(root_certificates=secrets.ca)
    assert await _check(grpc.aio.secure_channel(target, credentials), "") == serving
    tls = TLSConfig(server_root_ca_cert=secrets.ca)
    async with await StigmerClient.connect(
        target, ClientOptions(tls=tls, retry=NO_RETRY)
    ) as nobody:
        with pytest.raises(StigmerRPCError) as refused:
            await nobody.create(_ask())
        assert refused.value.code == grpc.StatusCode.UNAUTHENTICATED
    async with await StigmerClient.connect(
        target, ClientOptions(tls=tls, api_key=CALLER_KEY, retry=NO_RETRY)
    ) as caller:
        ack = await caller.create(_ask())
        assert ack.metadata.id.startswith("aex_")
    if shipped.healthcheck is not None:  # compose's health check, run as compose runs it
        kind, *command = shipped.healthcheck
        assert kind == "CMD"
        result = await asyncio.to_thread(
            subprocess.run, running.run(command), capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stderr


def test_the_lock_pins_every_service_requirement_with_hashes() -> None:
    """deploy/requirements.lock agrees with pyproject.toml: every requirement of the core and the
    [service] extra pinned within its floor, every pin hashed, and install.sh requires hashes."""
    import tomllib

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lock = (DEPLOY / "requirements.lock").read_text()
    pins = {
        canonicalize_name(name): version
        for name, version in re.findall(r"^([A-Za-z0-9._-]+)==(\S+)", lock, re.MULTILINE)
    }
    entries = re.split(r"\n(?=[A-Za-z0-9])", lock.split("\n", 6)[-1])
    assert all("--hash=sha256:" in entry for entry in entries if "==" in entry)
    for text in [*project["dependencies"], *project["optional-dependencies"]["service"]]:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in deploy/requirements.lock: regenerate it"
        assert requirement.specifier.contains(pins[name]), (name, pins[name])
    assert "--require-hashes" in (DEPLOY / "install.sh").read_text()
