"""The service's settings, declared once: every ``serve`` option, its environment variable,
its default and its help.

`ServeSettings` is the one settings object: the process's own settings (listener, Temporal,
store, authentication) and, nested, `ServiceSettings`, what the servicers, workflows and
background work read. Each field is declared with `setting`, and everything else is derived
from those declarations:

- the ``serve`` command's options (`stigmer_sdk.service.cli.serve`, through `serve_parameters`),
- the environment reader (`read_env`, behind `ServiceConfig.from_env`),
- the documentation's table (`settings_table`, written into docs/configuration.md).

A new setting is one field here: it then appears in ``serve --help``, in the environment
reader and in the docs (tests/test_configuration.py shows it).

Its own module, so that every part of the service reads it without importing another part.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

from stigmer_sdk import _contract
from stigmer_sdk.service.codec import MAX_SPEC_BYTES
from stigmer_sdk.service.runner import RUNNER_CONTRACT_SDK
from stigmer_sdk.tokens import DEFAULT_MAX_TOKEN_BYTES

#: The key of a field's `Setting` in its dataclass metadata.
_SETTING = "stigmer_setting"
#: Separator of the items of a repeatable setting in its environment variable.
ITEM_SEPARATOR = ";"


@dataclass(frozen=True)
class Setting:
    """How one settings field is given: its option, its environment variable and its help."""

    help: str
    #: The command-line option (``--name``, ``--name/--no-name`` for a flag); ``None``: none
    #: (a secret, read from the environment only).
    flag: str | None
    #: The environment variable; ``None``: none.
    env: str | None
    #: Lower bound of a number.
    minimum: float | None = None
    #: What the docs say instead of the environment variable, when the variable is read
    #: elsewhere (the encryption keys: `stigmer_sdk.service.store.encryption_keys_from`).
    env_doc: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        """The option's names as the docs show them (a flag's negation apart)."""
        return tuple(self.flag.split("/")) if self.flag else ()


_AUTO = "auto"


def setting(
    default: Any,
    *,
    help: str,
    flag: str | None = _AUTO,
    env: str | None = _AUTO,
    minimum: float | None = None,
    env_doc: str | None = None,
) -> Any:
    """Declare a settings field: its default, help, option and environment variable.

    The option defaults to ``--field-name`` (``--field-name/--no-field-name`` for a `bool`),
    the environment variable to ``STIGMER_`` and the option's name in capitals.
    """
    return field(
        default=default,
        metadata={_SETTING: (help, flag, env, minimum, env_doc)},
    )


@dataclass(frozen=True)
class SettingField:
    """One field of a settings class, resolved: where it is, its type, default and `Setting`."""

    #: Its name, unique across the nested settings (also the ``serve`` parameter's name).
    name: str
    #: Field names from the outer settings object down to it.
    path: tuple[str, ...]
    type: Any
    default: Any
    setting: Setting


def _resolved(cls: type, name: str, declared: tuple[Any, ...], type_: Any) -> Setting:
    help_, flag, env, minimum, env_doc = declared
    if flag == _AUTO:
        dashed = name.replace("_", "-")
        flag = f"--{dashed}/--no-{dashed}" if type_ is bool else f"--{dashed}"
    if env == _AUTO:
        if flag is None:
            raise TypeError(f"{cls.__name__}.{name}: a setting without option needs env=")
        env = "STIGMER_" + flag.split("/")[0].removeprefix("--").replace("-", "_").upper()
    return Setting(help=help_, flag=flag, env=env, minimum=minimum, env_doc=env_doc)


def setting_fields(cls: type, path: tuple[str, ...] = ()) -> Iterator[SettingField]:
    """The settings of ``cls``, nested settings classes included, in declaration order."""
    hints = typing.get_type_hints(cls)
    for item in dataclasses.fields(cls):
        type_ = hints[item.name]
        if dataclasses.is_dataclass(type_) and isinstance(type_, type):
            yield from setting_fields(type_, (*path, item.name))
            continue
        declared = item.metadata.get(_SETTING)
        if declared is None:
            raise TypeError(f"{cls.__name__}.{item.name} is not declared with setting()")
        yield SettingField(
            name=item.name,
            path=(*path, item.name),
            type=type_,
            default=item.default,
            setting=_resolved(cls, item.name, declared, type_),
        )


# --- Values as text (the environment, the docs, durations on the command line) -------------------

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m|h|d)$")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
_TRUE = frozenset({"1", "true", "t", "yes", "y", "on"})
_FALSE = frozenset({"0", "false", "f", "no", "n", "off", ""})


def parse_duration(text: str, option: str = "duration") -> timedelta:
    """Parse ``90s``, ``5m``, ``1h``, ``2d`` or ``250ms``.

    Raises:
        ValueError: not a duration.

    Examples:
        >>> parse_duration("90s")
        datetime.timedelta(seconds=90)
    """
    match = _DURATION.match(text.strip())
    if not match:
        raise ValueError(f"{option} {text!r} is not a duration such as 30s, 5m, 1h or 2d")
    return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])


def format_duration(value: timedelta) -> str:
    """The shortest of ``parse_duration``'s forms for ``value``.

    Examples:
        >>> format_duration(timedelta(hours=24)), format_duration(timedelta(milliseconds=250))
        ('1d', '250ms')
    """
    seconds = value.total_seconds()
    for unit in ("d", "h", "m", "s"):
        count = seconds / _UNITS[unit]
        if count >= 1 and count == int(count):
            return f"{int(count)}{unit}"
    return f"{round(seconds * 1000)}ms"


def parse_host_port(text: str, option: str) -> tuple[str, int]:
    """Split ``host:port``.

    Raises:
        ValueError: it is not one (the message names ``option``).

    Examples:
        >>> parse_host_port("127.0.0.1:7233", "--address")
        ('127.0.0.1', 7233)
    """
    host, colon, port = text.rpartition(":")
    if not colon or not host or not port.isdigit() or int(port) > 65535 or " " in host:
        raise ValueError(f"{option} must be host:port, such as 127.0.0.1:7233; got {text!r}")
    return host.strip("[]"), int(port)


def read_setting_file(path: Path | None, option: str) -> bytes | None:
    """The content of the file a setting names (``None`` for none).

    Raises:
        ValueError: it cannot be read (the message names ``option``).
    """
    if path is None:
        return None
    try:
        return path.read_bytes()
    except OSError as error:
        raise ValueError(f"{option}: cannot read {path}: {error.strerror}") from None


def first_line(error: BaseException) -> str:
    """An error's first line, or its type's name when it says nothing."""
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]


def _optional(type_: Any) -> Any:
    """``X`` of ``X | None``, else ``None``."""
    if typing.get_origin(type_) in (typing.Union, types.UnionType):
        others = [arg for arg in typing.get_args(type_) if arg is not type(None)]
        return others[0] if len(others) == 1 else None
    return None


def is_repeatable(type_: Any) -> bool:
    """Whether a settings type is a repeatable option (``tuple[str, ...]``)."""
    return typing.get_origin(type_) is tuple


def parse_value(type_: Any, text: str, name: str = "value") -> Any:
    """A setting's value from its text (an environment variable, a duration option).

    Raises:
        ValueError: the text is not a value of ``type_``.
    """
    inner = _optional(type_)
    if inner is not None:
        return parse_value(inner, text, name) if text.strip() else None
    if is_repeatable(type_):
        return tuple(item.strip() for item in text.split(ITEM_SEPARATOR) if item.strip())
    if type_ is bool:
        lowered = text.strip().lower()
        if lowered not in _TRUE | _FALSE:
            raise ValueError(f"{name} {text!r} is not a boolean such as true or false")
        return lowered in _TRUE
    if type_ is timedelta:
        return parse_duration(text, name)
    if type_ in (int, float):
        try:
            return type_(text)
        except ValueError:
            raise ValueError(f"{name} {text!r} is not a {type_.__name__}") from None
    if type_ in (str, Path):
        return type_(text)
    raise TypeError(f"{name}: settings of type {type_!r} are not supported")


def format_value(value: Any) -> str:
    """A setting's value as the docs and ``--help`` show it."""
    if isinstance(value, timedelta):
        return format_duration(value)
    if isinstance(value, bool):
        return "on" if value else "off"
    if value is None or value == ():
        return "none"
    return str(value)


# --- The settings ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceSettings:
    """What the servicers, workflows and background work need to know besides the store and
    Temporal. Every field is a ``serve`` option and an environment variable."""

    service_task_queue: str = setting(
        _contract.TASK_QUEUE_STIGMER_SYSTEM,
        help="Task queue of the invoke workflows; one per store.",
        flag="--task-queue",
    )
    agent_runner_task_queue: str = setting(
        _contract.TASK_QUEUE_AGENT_RUNNER,
        help="Task queue of agent runs (another than the default: the built-in runner is "
        "served there instead of on the service's queue).",
    )
    workflow_runner_task_queue: str = setting(
        "workflow_execution_runner",
        help="Task queue of workflow runs (as --agent-runner-task-queue).",
    )
    max_token_bytes: int = setting(
        DEFAULT_MAX_TOKEN_BYTES, help="Largest callback token accepted by create.", minimum=1
    )
    caller_heartbeat_interval: timedelta = setting(
        timedelta(seconds=30),
        help="How often the caller's token is heartbeated.",
        flag="--caller-heartbeat",
    )
    caller_heartbeat_budget: float = setting(
        100.0,
        help="Caller heartbeats a second the leading replica may send to Temporal, spread over "
        "the interval (0: no relay; docs/service-workflow.md).",
        minimum=0,
    )
    runner_heartbeat_timeout: timedelta = setting(
        timedelta(seconds=30), help="A runner silent this long is retried (after a crash, say)."
    )
    runner_timeout: timedelta = setting(
        timedelta(hours=24),
        help="The execution's deadline: its run, all attempts included, must end within it.",
    )
    runner_maximum_attempts: int = setting(
        0,
        help="Run attempts of an execution (0: retry with backoff until its deadline).",
        flag="--runner-max-attempts",
        minimum=0,
    )
    runner_retry_initial_interval: timedelta = setting(
        timedelta(seconds=1), help="First backoff between run attempts."
    )
    runner_retry_maximum_interval: timedelta = setting(
        timedelta(minutes=1), help="Longest backoff between run attempts."
    )
    runner_contract: str = setting(
        RUNNER_CONTRACT_SDK,
        help="stigmer (the SDK's runner activity) or deployed (EnsureThread, ExecuteGraphton).",
    )
    #: Serving the built-in runner's activities on ``service_task_queue`` hands a run to the
    #: worker with the workflow task that schedules it (eager activity dispatch) instead of
    #: going through matching; every replica must then run the built-in runner.
    colocate_builtin_runner: bool = setting(
        True,
        help="Serve the built-in runner on the service's task queue, while both runner queues "
        "are the defaults (docs/performance.md).",
    )
    #: Each parked handshake beyond it costs no memory until it resumes, and then one replay.
    max_cached_workflows: int = setting(
        1000,
        help="Execution workflows kept in memory; a parked one beyond it is replayed when it "
        "resumes (bounds memory with many long runs).",
        minimum=0,
    )
    reconcile_interval: timedelta = setting(
        timedelta(seconds=10),
        help="How often executions whose workflow never started get it started.",
    )
    reconcile_older_than: timedelta = setting(
        timedelta(seconds=5), help="How old such an execution must be first."
    )
    subscribe_poll_interval: timedelta = setting(
        timedelta(seconds=1),
        help="How often subscribe polls the store for changes made by other replicas.",
    )
    require_resource_fields: bool = setting(
        True,
        help="Refuse a create without api_version, kind or metadata.name, as the deployed "
        "service does (wrong values are refused either way).",
    )
    max_spec_bytes: int = setting(
        MAX_SPEC_BYTES,
        help="Largest spec accepted by create, its callback token apart; beyond: "
        "RESOURCE_EXHAUSTED.",
        minimum=1,
    )
    verify_callback_tokens: str = setting(
        "auto",
        help="Check each callback token (scope, genuine fields, pending in Temporal): auto "
        "(when authentication is on), always or never.",
    )
    max_open_executions_per_principal: int = setting(
        0,
        help="Open executions a principal may have, across replicas (0: no limit); beyond: "
        "RESOURCE_EXHAUSTED.",
        minimum=0,
    )
    create_rate_per_principal: float = setting(
        0.0, help="Creates per second per principal and replica (0: no limit).", minimum=0
    )
    create_burst_per_principal: int = setting(
        20, help="Creates a principal may send at once above its rate.", minimum=1
    )
    max_subscriptions_per_principal: int = setting(
        64, help="Open subscribe streams per principal and replica.", minimum=1
    )
    max_subscriptions: int = setting(1024, help="Open subscribe streams per replica.", minimum=1)
    max_concurrent_rpcs: int = setting(
        4096, help="gRPC calls served at once per replica (beyond: RESOURCE_EXHAUSTED).", minimum=1
    )
    max_concurrent_streams: int = setting(
        256, help="HTTP/2 streams per gRPC connection.", minimum=1
    )
    keepalive_min_ping_interval: timedelta = setting(
        timedelta(seconds=10),
        help="Keepalive pings tolerated: a client pinging more often is sent GOAWAY after two "
        "strikes.",
    )


@dataclass(frozen=True)
class ServeSettings:
    """Every setting of the ``serve`` command, as given: the process's own, and the service's
    (`ServiceSettings`). `stigmer_sdk.service.app.ServiceConfig.from_settings` validates them."""

    listen: str = setting("127.0.0.1:7234", help="gRPC listen address.")
    listen_tls_cert: Path | None = setting(
        None, help="Serve gRPC over TLS with this certificate (PEM).", env="STIGMER_TLS_CERT"
    )
    listen_tls_key: Path | None = setting(
        None, help="Private key of that certificate (PEM).", env="STIGMER_TLS_KEY"
    )
    listen_client_ca: Path | None = setting(
        None, help="Require client certificates (mTLS) of this CA.", env="STIGMER_TLS_CLIENT_CA"
    )
    address: str = setting(
        "127.0.0.1:7233", help="Temporal frontend host:port.", env="TEMPORAL_ADDRESS"
    )
    namespace: str = setting("default", help="Temporal namespace.", env="TEMPORAL_NAMESPACE")
    tls: bool = setting(False, help="TLS to Temporal.", env="TEMPORAL_TLS")
    tls_cert: Path | None = setting(
        None, help="mTLS client certificate to Temporal (PEM).", env="TEMPORAL_TLS_CERT"
    )
    tls_key: Path | None = setting(
        None, help="mTLS client key to Temporal (PEM).", env="TEMPORAL_TLS_KEY"
    )
    api_key: str | None = setting(None, help="Temporal Cloud API key.", env="TEMPORAL_API_KEY")
    store: str | None = setting(
        None,
        help="The store: sqlite:///path or postgresql://user:pw@host/db (default: "
        "stigmer.db in --data-dir).",
        env="STIGMER_STORE_URL",
    )
    encryption_key: tuple[str, ...] = setting(
        (),
        help="kid:base64 of 32 bytes, once per key, oldest first (the last encrypts new "
        "writes): tokens at rest are AES-GCM encrypted. Default: STIGMER_ENCRYPTION_KEYS, "
        "after a bare STIGMER_TOKEN_ENCRYPTION_KEY.",
        env=None,
        env_doc="STIGMER_ENCRYPTION_KEYS, STIGMER_TOKEN_ENCRYPTION_KEY",
    )
    dev: bool = setting(False, help="Start an embedded Temporal dev server and use SQLite.")
    data_dir: Path = setting(
        Path(".stigmer"), help="Where --dev keeps Temporal's and the store's files."
    )
    builtin_runner: bool = setting(
        True, help="Serve the built-in scripted runner (off: your worker serves it)."
    )
    metrics_address: str | None = setting(
        None,
        help="host:port of a Prometheus /metrics endpoint, unauthenticated (bind it where only "
        "Prometheus reaches, e.g. 127.0.0.1:9464).",
    )
    health_listen: str | None = setting(
        None,
        help="host:port of a plaintext listener for grpc.health.v1.Health/Check only, for "
        "probes without TLS or credentials.",
    )
    otlp_endpoint: str | None = setting(
        None,
        help="Export traces over OTLP/gRPC to this endpoint (needs the [otel] extra).",
        env="OTEL_EXPORTER_OTLP_ENDPOINT",
    )
    api_keys_file: Path | None = setting(
        None,
        help="Accept these API keys: lines 'sha256:<salt>:<hex of salt+key> NAME [ROLES]' "
        "(docs/security.md).",
    )
    api_keys: str | None = setting(
        None,
        help="API key lines as in --api-keys-file, separated by ';' (environment only: a "
        "command line is visible to other users).",
        flag=None,
        env="STIGMER_API_KEYS",
    )
    jwt_jwks: str | None = setting(None, help="Accept JWTs signed by this JWKS (file or URL).")
    jwt_issuer: str | None = setting(None, help="Required JWT issuer (iss).")
    jwt_audience: str | None = setting(None, help="Required JWT audience.")
    jwt_principal_claim: str = setting("sub", help="JWT claim naming the principal.")
    jwt_roles_claim: str = setting("roles", help="JWT claim with the roles.")
    client_cert_role: tuple[str, ...] = setting(
        (),
        help="mTLS identity (SAN or CN, '*' for any) and its roles: IDENTITY=caller,runner "
        "(repeatable).",
        env="STIGMER_CLIENT_CERT_ROLES",
    )
    insecure_no_auth: bool = setting(
        False, help="Serve a non-loopback address without authentication (unsafe)."
    )
    principal_scope: tuple[str, ...] = setting(
        (),
        help="Workflows a principal may hand callback tokens for: "
        "PRINCIPAL=workflow:GLOB,namespace:NAME ('*' as PRINCIPAL: everyone else; repeatable).",
        env="STIGMER_PRINCIPAL_SCOPES",
    )
    pending_metrics_interval: timedelta = setting(
        timedelta(seconds=30), help="How often the pending gauge is refreshed from the store."
    )
    drain_grace: timedelta = setting(
        timedelta(seconds=30),
        help="On SIGTERM: how long in-flight work may finish before the exit.",
    )
    readiness_interval: timedelta = setting(
        timedelta(seconds=5), help="How often readiness (store, Temporal, workers) is re-checked."
    )
    service: ServiceSettings = field(default_factory=ServiceSettings)


_S = TypeVar("_S")


def settings_from_values(cls: type[_S], values: Mapping[str, Any]) -> _S:
    """Build ``cls`` (nested settings included) from values by field name; a missing one keeps
    its default."""
    hints = typing.get_type_hints(cls)
    arguments: dict[str, Any] = {}
    for item in dataclasses.fields(cls):  # type: ignore[arg-type]
        type_ = hints[item.name]
        if dataclasses.is_dataclass(type_) and isinstance(type_, type):
            arguments[item.name] = settings_from_values(type_, values)
        elif item.name in values:
            arguments[item.name] = values[item.name]
    return cls(**arguments)


def read_env(cls: type[_S], env: Mapping[str, str]) -> _S:
    """The settings the environment gives, over the defaults (repeatable ones separated by
    ``;``).

    Raises:
        ValueError: a variable's value is not one of its setting.
    """
    values = {
        item.name: parse_value(item.type, env[item.setting.env], item.setting.env)
        for item in setting_fields(cls)
        if item.setting.env and item.setting.env in env
    }
    return settings_from_values(cls, values)


def settings_table(cls: type = ServeSettings) -> str:
    """The Markdown table of every setting: what it does, option, environment, default."""
    rows = [
        "| setting | option | environment | default |",
        "|---|---|---|---|",
    ]
    for item in setting_fields(cls):
        names = ", ".join(f"`{name}`" for name in item.setting.names) or "(none)"
        env = item.setting.env_doc or item.setting.env
        env_text = ", ".join(f"`{name.strip()}`" for name in env.split(",")) if env else ""
        text = item.setting.help
        for plain, escaped in (("|", "\\|"), ("<", "&lt;"), (">", "&gt;"), ("*", "\\*")):
            text = text.replace(plain, escaped)
        rows.append(f"| {text} | {names} | {env_text} | `{format_value(item.default)}` |")
    return "\n".join(rows) + "\n"


def configuration_page(cls: type = ServeSettings) -> str:
    """docs/configuration.md: every setting of the reference service (scripts/generate.sh)."""
    return (
        "# Configuration of the reference service\n\n"
        "<!-- Generated from stigmer_sdk.service.config by scripts/generate_configuration_doc.py"
        " (make generate): edit the settings, not this page. -->\n\n"
        "Every setting of `stigmer-sdk serve` is an option and, where named, an environment "
        "variable (the option wins). A repeatable option's variable separates its items with "
        f"`{ITEM_SEPARATOR}`; a flag's variable is `true` or `false`; durations are written "
        "`250ms`, `30s`, `5m`, `1h` or `2d`. `ServiceConfig.from_env()` reads the same "
        "variables.\n\n"
        + settings_table(cls)
        + "\nThe callers' side reads `ENABLE_ASYNC_ACTIVITY_COMPLETION` (`true` by default; "
        "[the Python SDK](python-sdk.md)).\n"
    )
