"""Authentication and authorisation of the reference service's gRPC API.

Every call is authenticated by the server's interceptor, through
:meth:`Authenticator.authenticate_call`, which turns the call's credential into a
:class:`Principal`:

* ``authorization: Bearer <key>`` with a **static API key**. Keys are configured by their
  SHA-256 only (``sha256:<64 hex>``; see :func:`hash_api_key`) and compared in constant time.
* ``authorization: Bearer <jwt>`` with a **JWT** verified against a JWKS file or URL: signature,
  issuer, audience and expiry are required. The principal is a claim (``sub`` by default), the
  roles another (``roles`` by default, a list or a space separated string).
* The **mTLS client certificate** (when the listener requires one): its first URI or DNS subject
  alternative name, else its subject common name, mapped to roles by configuration.

A call whose credential is missing, wrong, expired or unknown gets UNAUTHENTICATED; a present
``authorization`` header is never ignored in favour of the certificate. With authentication
disabled (:data:`ANONYMOUS`), every call acts as the anonymous principal ``""`` with every role,
as the service did before authentication existed.

Roles (see ``docs/security.md``):

=========  ==========================================================================
``caller``  create executions; get, subscribe to its own
``runner``  get, subscribe to and update the status of any execution (an agent runner)
``admin``   everything, on every execution
=========  ==========================================================================

Example::

    keys = StaticKeys.parse(f"{hash_api_key('s3cret')} billing-service caller")
    authenticator = AuthConfig(keys=keys).authenticator()
    principal = await authenticator.authenticate(["Bearer s3cret"], peer_identities=())
    assert principal.name == "key:billing-service"
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
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import grpc.aio
import jwt

logger = logging.getLogger("stigmer_sdk.service")

AUTHORIZATION_METADATA_KEY = "authorization"
HASH_PREFIX = "sha256:"


class Role(enum.StrEnum):
    """What a principal may do; see the module docstring."""

    CALLER = "caller"
    RUNNER = "runner"
    ADMIN = "admin"


ALL_ROLES = frozenset(Role)


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
    """The principal of the call being served (:data:`ANONYMOUS` outside an authenticated call)."""
    return _current.get()


def parse_roles(text: str) -> frozenset[Role]:
    """``"caller,runner"`` → the roles; an unknown name is an :class:`AuthConfigError`.

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


def hash_api_key(key: str) -> str:
    """The form an API key is configured in: ``sha256:`` and the hex SHA-256 of its UTF-8 bytes.

    Examples:
        >>> hash_api_key("s3cret")[:15]
        'sha256:1ec1c26b'
    """
    return HASH_PREFIX + hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class _KeyEntry:
    digest: bytes
    principal: Principal


@dataclass(frozen=True)
class StaticKeys:
    """Static API keys, held as SHA-256 digests only."""

    entries: tuple[_KeyEntry, ...] = ()

    @classmethod
    def parse(cls, text: str, *, source: str = "API keys") -> StaticKeys:
        """Read lines ``sha256:<hex> <name> [roles]`` (roles default to ``caller``).

        Blank lines and ``#`` comments are skipped; ``;`` separates entries too (for an
        environment variable). A key given in clear text is refused: configure its hash.
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
                    f"{source}, entry {number}: expected 'sha256:<64 hex> <name> [roles]' "
                    "(hash a key: printf %s KEY | sha256sum)"
                )
            hex_digest = parts[0].removeprefix(HASH_PREFIX)
            try:
                digest = bytes.fromhex(hex_digest)
            except ValueError:
                digest = b""
            if len(digest) != hashlib.sha256().digest_size:
                raise AuthConfigError(f"{source}, entry {number}: not a SHA-256 hex digest")
            name = parts[1]
            if name in names:
                raise AuthConfigError(f"{source}, entry {number}: name {name!r} given twice")
            names.add(name)
            roles = parse_roles(parts[2]) if len(parts) == 3 else frozenset({Role.CALLER})
            entries.append(_KeyEntry(digest, Principal(f"key:{name}", roles)))
        return cls(tuple(entries))

    @classmethod
    def from_file(cls, path: Path) -> StaticKeys:
        """:meth:`parse` a key file."""
        return cls.parse(path.read_text(), source=str(path))

    def __bool__(self) -> bool:
        return bool(self.entries)

    def match(self, key: str) -> Principal | None:
        """The principal of ``key``, comparing its digest with every entry in constant time."""
        presented = hashlib.sha256(key.encode()).digest()
        found: Principal | None = None
        for entry in self.entries:  # no early exit: the time does not depend on the position
            if hmac.compare_digest(presented, entry.digest):
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

    def __post_init__(self) -> None:
        if not (self.jwks and self.issuer and self.audience):
            raise AuthConfigError("a JWKS, an issuer and an audience are all required for JWTs")


class JwtVerifier:
    """Verify JWTs: signature (key by ``kid``), ``iss``, ``aud``, ``exp`` (required)."""

    #: A JWKS URL is fetched again after this long, and on an unknown ``kid`` at most this often
    #: (so that tokens with made-up key ids cannot make the service hammer the identity provider).
    JWKS_LIFESPAN_SECONDS = 300.0
    JWKS_MIN_REFRESH_SECONDS = 30.0

    def __init__(self, config: JwtConfig) -> None:
        self.config = config
        self._client: jwt.PyJWKClient | None = None
        self._keys: jwt.PyJWKSet | None = None
        self._fetched_at = -float("inf")
        self._lock = threading.Lock()
        if config.jwks.startswith(("https://", "http://")):
            self._client = jwt.PyJWKClient(config.jwks, cache_jwk_set=False, cache_keys=False)
        else:
            try:
                self._keys = jwt.PyJWKSet.from_json(Path(config.jwks).read_text())
            except (OSError, jwt.PyJWTError) as error:
                raise AuthConfigError(f"cannot read the JWKS {config.jwks}: {error}") from error

    def _key_set(self, *, refresh: bool) -> jwt.PyJWKSet:
        """The JWKS; a URL's is fetched when stale, or on ``refresh`` if not fetched just now."""
        if self._client is None:
            assert self._keys is not None
            return self._keys
        with self._lock:
            age = time.monotonic() - self._fetched_at
            if (
                self._keys is None
                or age > self.JWKS_LIFESPAN_SECONDS
                or (refresh and age > self.JWKS_MIN_REFRESH_SECONDS)
            ):
                try:
                    self._keys = jwt.PyJWKSet.from_dict(self._client.fetch_data())
                except jwt.PyJWTError as error:
                    if self._keys is None:
                        raise JwksUnavailableError(f"cannot fetch the JWKS: {error}") from None
                    logger.warning("Could not refresh the JWKS, keeping the last one: %s", error)
                self._fetched_at = time.monotonic()
            return self._keys

    def _signing_key(self, token: str) -> Any:
        kid = jwt.get_unverified_header(token).get("kid")
        for refresh in (False, True):
            for key in self._key_set(refresh=refresh).keys:
                if kid is None or key.key_id == kid:
                    return key.key
            if self._client is None:
                break
        raise AuthError("no key of the JWKS matches the token's kid")

    def _verify_sync(self, token: str) -> Principal:
        config = self.config
        try:
            claims = jwt.decode(
                token,
                self._signing_key(token),
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
        """The principal of a valid token, else :class:`AuthError`."""
        if self._client is not None:  # fetching the JWKS blocks
            return await asyncio.to_thread(self._verify_sync, token)
        return self._verify_sync(token)


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
        """Whether any credential is configured (else every call is :data:`ANONYMOUS`)."""
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
    """The verified client certificate's identities, SANs first, then the subject CN."""
    auth = context.auth_context() or {}
    values = [
        *auth.get("x509_subject_alternative_name", []),
        *auth.get("x509_common_name", []),
    ]
    return tuple(value.decode(errors="replace") for value in values)


class Authenticator:
    """Turn a call's credential into a :class:`Principal` (or raise :class:`AuthError`)."""

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


@contextlib.contextmanager
def acting_as(principal: Principal) -> Iterator[None]:
    """Make ``principal`` the :func:`current_principal` inside the block."""
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
