"""Authentication and authorisation of the reference service's gRPC API.

Every call is authenticated by the server's interceptor, through
`Authenticator.authenticate_call`, which turns the call's credential into a
`Principal`:

* ``authorization: Bearer <key>`` with a **static API key**. Keys are configured by a salted
  SHA-256 only (``sha256:<salt>:<64 hex>``; see `hash_api_key`) and compared in constant
  time. Unsalted ``sha256:<64 hex>`` digests of earlier releases are still accepted, with a
  warning at start-up.
* ``authorization: Bearer <jwt>`` with a **JWT** verified against a JWKS file or ``https://`` URL:
  signature, issuer, audience and expiry are required, and the JWK's ``use`` and ``alg`` (when
  present) must agree with the token. The principal is a claim (``sub`` by default), the roles
  another (``roles`` by default, a list or a space separated string).
* The **mTLS client certificate** (when the listener requires one): its URI or DNS subject
  alternative names; its subject common name only when it has no SAN at all.

A call whose credential is missing, wrong, expired or unknown gets UNAUTHENTICATED; a present
``authorization`` header is never ignored in favour of the certificate. With authentication
disabled (`ANONYMOUS`), every call acts as the anonymous principal ``""`` with every role,
as the service did before authentication existed.

Roles (see ``docs/security.md``):

=========  ==========================================================================
``caller``  create executions; get, subscribe to its own
``runner``  get, subscribe to and update the status of any execution (an agent runner)
``admin``   everything, on every execution
=========  ==========================================================================

Example:
    ```python
    keys = StaticKeys.parse(f"{hash_api_key('s3cret')} billing-service caller")
    assert keys.match("s3cret") is not None
    authenticator = AuthConfig(keys=keys).authenticator()
    principal = await authenticator.authenticate(["Bearer s3cret"], peer_identities=())
    assert principal.name == "key:billing-service"
    ```
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import enum
import hashlib
import hmac
import json
import logging
import secrets
import ssl
import time
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import grpc.aio
import jwt

from stigmer_sdk import _contract

logger = logging.getLogger("stigmer_sdk.service")

AUTHORIZATION_METADATA_KEY = _contract.HEADER_AUTHORIZATION
HASH_PREFIX = "sha256:"


class Role(enum.StrEnum):
    """What a principal may do; see the module docstring."""

    CALLER = "caller"
    RUNNER = "runner"
    ADMIN = "admin"


ALL_ROLES = frozenset(Role)

#: Longest principal name taken from a credential (a JWT subject): longer is refused, so that
#: owner columns and log lines stay bounded.
MAX_PRINCIPAL_CHARS = 256


class AuthError(Exception):
    """The call's credential is missing or not valid (answered with UNAUTHENTICATED)."""


class JwksUnavailableError(Exception):
    """The JWKS URL could not be fetched and no earlier copy is known (answered UNAVAILABLE)."""


class AuthConfigError(ValueError):
    """The authentication configuration itself is wrong (a bad key line, an unknown role...)."""


@dataclass(frozen=True)
class Principal:
    """Who makes a call: ``name`` is what an execution's owner records."""

    #: ``key:<name>``, ``jwt:<claim value>``, ``cert:<identity>``, or ``""`` (anonymous).
    name: str
    roles: frozenset[Role]

    def may(self, role: Role) -> bool:
        """Whether the principal holds ``role`` (``admin`` holds every role)."""
        return role in self.roles or Role.ADMIN in self.roles

    def sees(self, owner: str) -> bool:
        """Whether the principal may read an execution owned by ``owner``."""
        return owner == self.name or self.may(Role.RUNNER)


#: The principal of every call when authentication is disabled.
ANONYMOUS = Principal(name="", roles=ALL_ROLES)

_current: contextvars.ContextVar[Principal] = contextvars.ContextVar(
    "stigmer_principal", default=ANONYMOUS
)


def current_principal() -> Principal:
    """The principal of the call being served (`ANONYMOUS` outside an authenticated call)."""
    return _current.get()


def parse_roles(text: str) -> frozenset[Role]:
    """``"caller,runner"`` → the roles; an unknown name is an `AuthConfigError`.

    Examples:
        >>> sorted(parse_roles("runner,caller"))
        [<Role.CALLER: 'caller'>, <Role.RUNNER: 'runner'>]
    """
    roles: set[Role] = set()
    for name in text.replace(" ", ",").split(","):
        if not name:
            continue
        try:
            roles.add(Role(name.strip().lower()))
        except ValueError:
            raise AuthConfigError(
                f"unknown role {name!r} (roles: {', '.join(sorted(ALL_ROLES))})"
            ) from None
    if not roles:
        raise AuthConfigError("no role given")
    return frozenset(roles)


#: Length of the random salt of a configured key digest, in bytes (hex in the configuration).
SALT_BYTES = 16


def hash_api_key(key: str, salt: str | None = None) -> str:
    """The form an API key is configured in: ``sha256:<salt>:<hex SHA-256 of salt + key>``.

    The salt (random hex unless given) is prefixed to the key's text before hashing, so that a
    leaked key file cannot be looked up in precomputed tables. The same digest in a shell:
    ``SALT=$(openssl rand -hex 16); printf '%s' "$SALT$KEY" | sha256sum``.

    Examples:
        >>> hash_api_key("s3cret", salt="00ff")[:20]
        'sha256:00ff:280199f4'
    """
    salt = secrets.token_hex(SALT_BYTES) if salt is None else salt
    return f"{HASH_PREFIX}{salt}:{_salted_digest(salt, key).hex()}"


def _salted_digest(salt: str, key: str) -> bytes:
    return hashlib.sha256((salt + key).encode()).digest()


@dataclass(frozen=True)
class _KeyEntry:
    digest: bytes
    principal: Principal
    #: ``""`` for an unsalted digest of an earlier release.
    salt: str = ""


@dataclass(frozen=True)
class StaticKeys:
    """Static API keys, held as salted SHA-256 digests only."""

    entries: tuple[_KeyEntry, ...] = ()

    @classmethod
    def parse(cls, text: str, *, source: str = "API keys") -> StaticKeys:
        """Read lines ``sha256:<salt>:<hex> <name> [roles]`` (roles default to ``caller``).

        Blank lines and ``#`` comments are skipped; ``;`` separates entries too (for an
        environment variable). A key given in clear text is refused: configure its hash. An
        unsalted ``sha256:<hex>`` entry (earlier releases) is accepted with a warning.
        """
        entries: list[_KeyEntry] = []
        names: set[str] = set()
        for number, raw in enumerate(text.replace(";", "\n").splitlines(), start=1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            parts = line.split()
            if len(parts) not in (2, 3) or not parts[0].startswith(HASH_PREFIX):
                raise AuthConfigError(
                    f"{source}, entry {number}: expected 'sha256:<salt>:<64 hex> <name> [roles]' "
                    '(hash a key: SALT=$(openssl rand -hex 16); printf %s "$SALT$KEY" | sha256sum)'
                )
            salt, _, hex_digest = parts[0].removeprefix(HASH_PREFIX).rpartition(":")
            try:
                digest = bytes.fromhex(hex_digest)
            except ValueError:
                digest = b""
            if len(digest) != hashlib.sha256().digest_size:
                raise AuthConfigError(f"{source}, entry {number}: not a SHA-256 hex digest")
            name = parts[1]
            if not salt:
                logger.warning(
                    "%s, entry %d (%s): unsalted API-key digest; configure a salted one "
                    "(sha256:<salt>:<hex>, docs/security.md)",
                    source,
                    number,
                    name,
                )
            if name in names:
                raise AuthConfigError(f"{source}, entry {number}: name {name!r} given twice")
            names.add(name)
            roles = parse_roles(parts[2]) if len(parts) == 3 else frozenset({Role.CALLER})
            entries.append(_KeyEntry(digest, Principal(f"key:{name}", roles), salt))
        return cls(tuple(entries))

    @classmethod
    def from_file(cls, path: Path) -> StaticKeys:
        """`parse` a key file."""
        return cls.parse(path.read_text(), source=str(path))

    def __bool__(self) -> bool:
        return bool(self.entries)

    def match(self, key: str) -> Principal | None:
        """The principal of ``key``, comparing its digest with every entry in constant time."""
        found: Principal | None = None
        for entry in self.entries:  # no early exit: the time does not depend on the position
            if hmac.compare_digest(_salted_digest(entry.salt, key), entry.digest):
                found = entry.principal
        return found


@dataclass(frozen=True)
class JwtConfig:
    """JWTs verified against a JWKS (a file path or an ``https://`` URL)."""

    jwks: str
    issuer: str
    audience: str
    principal_claim: str = "sub"
    roles_claim: str = "roles"
    #: Roles of a token without the roles claim.
    default_roles: frozenset[Role] = frozenset({Role.CALLER})
    algorithms: tuple[str, ...] = ("RS256", "RS384", "RS512", "ES256", "ES384", "PS256", "EdDSA")
    leeway_seconds: float = 30.0
    #: PEM file of the CAs a JWKS URL's server certificate must chain to (default: the system's,
    #: or ``SSL_CERT_FILE``).
    jwks_ca_file: str | None = None

    def __post_init__(self) -> None:
        if not (self.jwks and self.issuer and self.audience):
            raise AuthConfigError("a JWKS, an issuer and an audience are all required for JWTs")
        if "://" in self.jwks and not self.jwks.startswith("https://"):
            # Over http a man in the middle serves its own keys and mints any principal's JWT.
            raise AuthConfigError(
                f"the JWKS must be an https:// URL or a file path, not {self.jwks.split('://')[0]}://"
            )


#: Fetches a JWKS URL: ``(url, timeout seconds, CA file) -> body``; raises on any failure.
JwksFetch = Callable[[str, float, "str | None"], bytes]


def fetch_jwks(url: str, timeout: float, ca_file: str | None = None) -> bytes:
    """GET ``url`` over verified TLS, within ``timeout`` seconds in all, at most 1 MiB."""
    context = ssl.create_default_context(cafile=ca_file)
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
        body = b""
        while chunk := response.read(64 * 1024):
            body += chunk
            if len(body) > JwtVerifier.JWKS_MAX_BYTES:
                raise ValueError(f"the JWKS is larger than {JwtVerifier.JWKS_MAX_BYTES} bytes")
            if time.monotonic() > deadline:  # a server dripping bytes does not hold us
                raise TimeoutError(f"the JWKS took more than {timeout:g} s")
        return body


@dataclass(frozen=True)
class _Jwk:
    """One usable key of a JWKS, with the ``use`` and ``alg`` it declares (``None``: any)."""

    kid: str | None
    key: Any
    use: str | None
    alg: str | None


def parse_jwks(document: bytes | str) -> tuple[_Jwk, ...]:
    """The usable keys of a JWKS document; a key of an unsupported type is skipped.

    Raises:
        ValueError: not a JWKS (not JSON, no ``keys`` list, no usable key).
    """
    data = json.loads(document)
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
        raise ValueError("not a JWKS: expected a JSON object with a 'keys' list")
    keys = []
    for entry in data["keys"]:
        if not isinstance(entry, dict):
            continue
        try:
            parsed = jwt.PyJWK(entry)
        except (jwt.PyJWTError, ValueError, TypeError, KeyError):
            continue
        use, alg = entry.get("use"), entry.get("alg")
        keys.append(
            _Jwk(
                parsed.key_id,
                parsed.key,
                use if isinstance(use, str) else None,
                alg if isinstance(alg, str) else None,
            )
        )
    if not keys:
        raise ValueError("the JWKS has no usable key")
    return tuple(keys)


class JwtVerifier:
    """Verify JWTs: signature (key by ``kid``), ``iss``, ``aud``, ``exp`` (required).

    A JWKS URL is fetched by one task at a time (the others wait for its result, no lock is held
    across the network call), within `JWKS_FETCH_TIMEOUT_SECONDS`. A failed fetch is not
    retried before a backoff (1 s, doubling, up to `JWKS_BACKOFF_MAX_SECONDS`); meanwhile
    the last keys fetched are used, and without any, calls get UNAVAILABLE at once.
    """

    #: A JWKS URL is fetched again after this long, and on an unknown ``kid`` at most this often
    #: (so that tokens with made-up key ids cannot make the service hammer the identity provider).
    JWKS_LIFESPAN_SECONDS = 300.0
    JWKS_MIN_REFRESH_SECONDS = 30.0
    JWKS_FETCH_TIMEOUT_SECONDS = 5.0
    JWKS_BACKOFF_INITIAL_SECONDS = 1.0
    JWKS_BACKOFF_MAX_SECONDS = 60.0
    JWKS_MAX_BYTES = 1024 * 1024

    def __init__(self, config: JwtConfig, fetch: JwksFetch = fetch_jwks) -> None:
        self.config = config
        self._url = config.jwks if config.jwks.startswith("https://") else None
        self._fetch = fetch
        self._keys: tuple[_Jwk, ...] | None = None
        self._fetched_at = -float("inf")
        self._failures = 0
        self._retry_at = -float("inf")
        self._fetching: asyncio.Future[None] | None = None
        if self._url is None:
            try:
                self._keys = parse_jwks(Path(config.jwks).read_bytes())
            except (OSError, ValueError) as error:
                raise AuthConfigError(f"cannot read the JWKS {config.jwks}: {error}") from error

    async def _refetch(self) -> None:
        """Fetch the JWKS URL once; record the keys, or the failure and its backoff."""
        assert self._url is not None
        try:
            body = await asyncio.wait_for(
                asyncio.to_thread(
                    self._fetch,
                    self._url,
                    self.JWKS_FETCH_TIMEOUT_SECONDS,
                    self.config.jwks_ca_file,
                ),
                self.JWKS_FETCH_TIMEOUT_SECONDS + 1,
            )
            keys = parse_jwks(body)
        except Exception as error:  # noqa: BLE001 -- any failure: unreachable, not JSON, no key
            self._fetching = None
            self._failures += 1
            backoff = min(
                self.JWKS_BACKOFF_MAX_SECONDS,
                self.JWKS_BACKOFF_INITIAL_SECONDS * 2 ** (self._failures - 1),
            )
            self._retry_at = time.monotonic() + backoff
            logger.warning(
                "Could not fetch the JWKS url=%s error=%s retry_in_s=%g%s",
                self._url,
                f"{type(error).__name__}: {error}",
                backoff,
                " (keeping the last keys)" if self._keys is not None else "",
            )
            return
        self._keys, self._failures, self._fetching = keys, 0, None
        self._fetched_at = time.monotonic()

    async def _key_set(self, *, refresh: bool) -> tuple[_Jwk, ...]:
        """The JWKS; a URL's is fetched when stale, or on ``refresh`` if not fetched just now."""
        if self._url is not None:
            now = time.monotonic()
            age = now - self._fetched_at
            stale = (
                self._keys is None
                or age > self.JWKS_LIFESPAN_SECONDS
                or (refresh and age > self.JWKS_MIN_REFRESH_SECONDS)
            )
            if stale and now >= self._retry_at:
                if self._fetching is None:  # one fetch at a time; the others wait for it
                    self._fetching = asyncio.ensure_future(self._refetch())
                await asyncio.shield(self._fetching)
        if self._keys is None:
            raise JwksUnavailableError(
                "cannot fetch the JWKS; retrying in "
                f"{max(0.0, self._retry_at - time.monotonic()):.0f} s"
            )
        return self._keys

    async def _signing_key(self, token: str) -> Any:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise AuthError(f"invalid JWT: {error}") from None
        kid, alg = header.get("kid"), header.get("alg")
        for refresh in (False, True):
            for key in await self._key_set(refresh=refresh):
                if kid is not None and key.kid != kid:
                    continue
                if key.use not in (None, "sig"):
                    raise AuthError(f"the JWK {key.kid!r} is for use {key.use!r}, not signatures")
                if key.alg is not None and key.alg != alg:
                    raise AuthError(
                        f"the JWT's algorithm {alg!r} is not its JWK's algorithm {key.alg!r}"
                    )
                return key.key
            if self._url is None:
                break
        raise AuthError("no key of the JWKS matches the token's kid")

    def _verify_claims(self, token: str, key: Any) -> Principal:
        config = self.config
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=list(config.algorithms),
                audience=config.audience,
                issuer=config.issuer,
                leeway=config.leeway_seconds,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWTError as error:
            raise AuthError(f"invalid JWT: {error}") from None
        subject = claims.get(config.principal_claim)
        if not isinstance(subject, str) or not subject:
            raise AuthError(f"the JWT has no {config.principal_claim!r} claim")
        if len(subject) > MAX_PRINCIPAL_CHARS:
            raise AuthError(
                f"the JWT's {config.principal_claim!r} claim is longer than "
                f"{MAX_PRINCIPAL_CHARS} characters"
            )
        raw_roles = claims.get(config.roles_claim)
        if raw_roles is None:
            roles = config.default_roles
        else:
            names = raw_roles.split() if isinstance(raw_roles, str) else raw_roles
            if not isinstance(names, list):
                raise AuthError(f"the JWT's {config.roles_claim!r} claim is not a list")
            # Unknown role names in a token are ignored: an identity provider has other roles.
            roles = frozenset(Role(name) for name in names if name in set(ALL_ROLES))
            if not roles:
                raise AuthError("the JWT grants no role of this service")
        return Principal(f"jwt:{subject}", roles)

    async def verify(self, token: str) -> Principal:
        """The principal of a valid token, else `AuthError` (or
        `JwksUnavailableError` when no JWKS could be fetched)."""
        key = await self._signing_key(token)
        try:
            return self._verify_claims(token, key)
        except AuthError:
            raise
        except Exception as error:  # noqa: BLE001 -- a key type the algorithm refuses, etc.
            raise AuthError(f"invalid JWT: {type(error).__name__}: {error}") from None


def looks_like_jwt(credential: str) -> bool:
    """A compact JWS: three Base64URL parts, the first a JSON header."""
    return credential.count(".") == 2 and credential.startswith("eyJ")


@dataclass(frozen=True)
class AuthConfig:
    """Which credentials the service accepts; empty (``enabled`` false) means no authentication."""

    keys: StaticKeys = field(default_factory=StaticKeys)
    jwt: JwtConfig | None = None
    #: mTLS client identity (URI/DNS SAN or subject CN) → roles; ``"*"`` matches any
    #: certificate the listener's client CA accepted.
    certificate_roles: Mapping[str, frozenset[Role]] = field(default_factory=dict)

    @property
    def enabled(self) -> bool:
        """Whether any credential is configured (else every call is `ANONYMOUS`)."""
        return bool(self.keys) or self.jwt is not None or bool(self.certificate_roles)

    def describe(self) -> str:
        """``"API keys (2), JWT (issuer ...), mTLS identities (1)"`` or ``"none"``."""
        parts = []
        if self.keys:
            parts.append(f"API keys ({len(self.keys.entries)})")
        if self.jwt is not None:
            parts.append(f"JWT (issuer {self.jwt.issuer})")
        if self.certificate_roles:
            parts.append(f"mTLS identities ({len(self.certificate_roles)})")
        return ", ".join(parts) or "none"

    @classmethod
    def from_options(
        cls,
        *,
        api_keys_file: Path | None = None,
        api_keys: str | None = None,
        jwt_jwks: str | None = None,
        jwt_issuer: str | None = None,
        jwt_audience: str | None = None,
        jwt_principal_claim: str = "sub",
        jwt_roles_claim: str = "roles",
        certificate_roles: Iterable[str] = (),
    ) -> AuthConfig:
        """Build the configuration from ``serve``'s options (or the environment's equivalents).

        ``api_keys_file`` and ``api_keys`` (its content inline, entries separated by ``;``) may
        both be given; ``certificate_roles`` are ``IDENTITY=ROLES`` specs.
        """
        keys = StaticKeys.from_file(api_keys_file).entries if api_keys_file else ()
        if api_keys:
            keys = (*keys, *StaticKeys.parse(api_keys, source="STIGMER_API_KEYS").entries)
        jwt_config = None
        if jwt_jwks or jwt_issuer or jwt_audience:
            jwt_config = JwtConfig(
                jwks=jwt_jwks or "",
                issuer=jwt_issuer or "",
                audience=jwt_audience or "",
                principal_claim=jwt_principal_claim,
                roles_claim=jwt_roles_claim,
            )
        return cls(
            keys=StaticKeys(keys),
            jwt=jwt_config,
            certificate_roles=parse_certificate_roles(certificate_roles),
        )

    def authenticator(self) -> Authenticator:
        """The object that authenticates calls (it holds the JWKS)."""
        return Authenticator(self)


def parse_certificate_roles(specs: Iterable[str]) -> dict[str, frozenset[Role]]:
    """``["spiffe://corp/runner=runner", "*=caller"]`` → identity → roles.

    Examples:
        >>> parse_certificate_roles(["*=caller"])
        {'*': frozenset({<Role.CALLER: 'caller'>})}
    """
    mapping: dict[str, frozenset[Role]] = {}
    for spec in specs:
        identity, sep, roles = spec.rpartition("=")
        if not sep or not identity:
            raise AuthConfigError(f"expected IDENTITY=ROLES, got {spec!r}")
        mapping[identity] = parse_roles(roles)
    return mapping


def peer_identities(context: grpc.aio.ServicerContext[Any, Any]) -> tuple[str, ...]:
    """The verified client certificate's identities: its SANs; the subject CN only without any.

    A CA may put anything in the CN of a certificate issued for a SAN (RFC 6125 ignores the CN
    once SANs exist), so a CN never stands beside SANs as an identity.
    """
    auth = context.auth_context() or {}
    values = auth.get("x509_subject_alternative_name", []) or auth.get("x509_common_name", [])
    return tuple(value.decode(errors="replace") for value in values)


class Authenticator:
    """Turn a call's credential into a `Principal` (or raise `AuthError`)."""

    def __init__(self, config: AuthConfig) -> None:
        self.config = config
        self._jwt = JwtVerifier(config.jwt) if config.jwt is not None else None

    async def authenticate(
        self, authorization: Sequence[str], peer_identities: Sequence[str]
    ) -> Principal:
        """Authenticate from the ``authorization`` metadata values and the peer's identities."""
        config = self.config
        if not config.enabled:
            return ANONYMOUS
        if len(authorization) > 1:
            raise AuthError("more than one authorization header")
        if authorization:
            scheme, _, credential = authorization[0].strip().partition(" ")
            credential = credential.strip()
            if scheme.lower() != "bearer" or not credential:
                raise AuthError("expected 'authorization: Bearer <credential>'")
            if self._jwt is not None and looks_like_jwt(credential):
                return await self._jwt.verify(credential)
            principal = config.keys.match(credential)
            if principal is None:
                raise AuthError("unknown API key")
            return principal
        for identity in peer_identities:
            roles = config.certificate_roles.get(identity)
            if roles is not None:
                return Principal(f"cert:{identity}", roles)
        if peer_identities and "*" in config.certificate_roles:
            return Principal(f"cert:{peer_identities[0]}", config.certificate_roles["*"])
        if peer_identities:
            raise AuthError(f"client certificate {peer_identities[0]!r} is not authorised")
        raise AuthError("no credential: send 'authorization: Bearer <key or JWT>'")

    async def authenticate_call(self, context: grpc.aio.ServicerContext[Any, Any]) -> Principal:
        """The call's principal; aborts the call with UNAUTHENTICATED (one log line) if none."""
        metadata = context.invocation_metadata() or ()
        authorization = [
            value if isinstance(value, str) else value.decode(errors="replace")
            for key, value in metadata
            if key == AUTHORIZATION_METADATA_KEY
        ]
        try:
            return await self.authenticate(authorization, peer_identities(context))
        except AuthError as error:
            logger.warning("Refused an unauthenticated call: %s", error)
            await context.abort(grpc.StatusCode.UNAUTHENTICATED, str(error))
            raise  # abort raises; this keeps the flow analysis honest
        except JwksUnavailableError as error:
            logger.warning("Could not authenticate a call: %s", error)
            await context.abort(grpc.StatusCode.UNAVAILABLE, str(error))
            raise
        except Exception as error:  # never UNKNOWN for a credential that cannot be read
            logger.warning(
                "Refused a call whose credential failed: %s: %s", type(error).__name__, error
            )
            await context.abort(
                grpc.StatusCode.UNAUTHENTICATED, "the credential could not be verified"
            )
            raise


@contextlib.contextmanager
def acting_as(principal: Principal) -> Iterator[None]:
    """Make ``principal`` the `current_principal` inside the block."""
    token = _current.set(principal)
    try:
        yield
    finally:
        _current.reset(token)


def jwks_of(public_keys: Mapping[str, Any]) -> str:
    """A JWKS document of ``kid`` → public key (``cryptography`` RSA or EC keys)."""
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from jwt.algorithms import ECAlgorithm, RSAAlgorithm

    keys = []
    for kid, key in public_keys.items():
        if isinstance(key, rsa.RSAPublicKey):
            document = RSAAlgorithm.to_jwk(key, as_dict=True)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            document = ECAlgorithm.to_jwk(key, as_dict=True)
        else:
            raise TypeError(f"unsupported key type {type(key).__name__}")
        keys.append({**document, "kid": kid})
    return json.dumps({"keys": keys})
