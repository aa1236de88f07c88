"""The service's credentials: hashed static keys, JWTs against a JWKS, mTLS identities, roles."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import hashlib
import http.server
import json
import logging
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from stigmer_sdk.service.app import ServiceConfig, ServiceStartError, check_exposure
from stigmer_sdk.service.auth import (
    ANONYMOUS,
    AuthConfig,
    AuthConfigError,
    AuthError,
    JwksUnavailableError,
    JwtConfig,
    Principal,
    Role,
    StaticKeys,
    hash_api_key,
    jwks_of,
    parse_certificate_roles,
    peer_identities,
)

from helpers.tls import issue as _issue

ISSUER = "https://id.example.test/"
AUDIENCE = "stigmer-service"


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture
def jwks_file(tmp_path: Path, rsa_key: rsa.RSAPrivateKey, ec_key: Any) -> Path:
    path = tmp_path / "jwks.json"
    path.write_text(jwks_of({"rsa-1": rsa_key.public_key(), "ec-1": ec_key.public_key()}))
    return path


def _token(key: Any, kid: str, **claims: Any) -> str:
    now = int(time.time())
    body = {"iss": ISSUER, "aud": AUDIENCE, "sub": "svc-a", "iat": now, "exp": now + 300}
    body.update(claims)
    body = {name: value for name, value in body.items() if value is not None}
    algorithm = "RS256" if isinstance(key, rsa.RSAPrivateKey) else "ES256"
    return jwt.encode(body, key, algorithm=algorithm, headers={"kid": kid})


def _jwt_auth(jwks: str, ca_file: str | None = None) -> AuthConfig:
    return AuthConfig(
        jwt=JwtConfig(jwks=jwks, issuer=ISSUER, audience=AUDIENCE, jwks_ca_file=ca_file)
    )


async def _authenticate(config: AuthConfig, *headers: str, peers: tuple[str, ...] = ()) -> Any:
    return await config.authenticator().authenticate(list(headers), peers)


def test_static_keys_are_configured_hashed_and_matched() -> None:
    keys = StaticKeys.parse(
        f"# comment\n{hash_api_key('k-alice')} alice\n{hash_api_key('k-run')} worker runner,caller"
    )
    assert keys.match("k-alice") == Principal("key:alice", frozenset({Role.CALLER}))
    assert keys.match("k-run") == Principal("key:worker", frozenset({Role.RUNNER, Role.CALLER}))
    assert keys.match("k-alice ") is None
    assert keys.match("") is None
    # Only digests are held, each with its own salt: one key hashes differently each time.
    assert "k-alice" not in repr(keys)
    assert hash_api_key("k-alice") != hash_api_key("k-alice")
    salt, digest = hash_api_key("k-alice", salt="5a17").removeprefix("sha256:").split(":")
    assert (salt, digest) == ("5a17", hashlib.sha256(b"5a17k-alice").hexdigest())  # as in a shell


def test_unsalted_digests_of_earlier_releases_still_match_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    unsalted = "sha256:" + hashlib.sha256(b"k-old").hexdigest()
    with caplog.at_level(logging.WARNING, "stigmer_sdk.service"):
        keys = StaticKeys.parse(f"{unsalted} legacy")
    assert keys.match("k-old") == Principal("key:legacy", frozenset({Role.CALLER}))
    assert "unsalted API-key digest" in caplog.text


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("k-alice alice", "sha256:<salt>:<64 hex>"),  # a key in clear text is refused
        ("sha256:abcd alice", "not a SHA-256"),
        (f"{hash_api_key('x')} alice root", "unknown role"),
        (f"{hash_api_key('x')} a; {hash_api_key('y')} a", "given twice"),
        (f"{hash_api_key('x')}", "expected"),
    ],
)
def test_bad_key_lines_are_refused(line: str, message: str) -> None:
    with pytest.raises(AuthConfigError, match=message):
        StaticKeys.parse(line)


async def test_bearer_key_missing_wrong_or_doubled_is_unauthenticated() -> None:
    config = AuthConfig(keys=StaticKeys.parse(f"{hash_api_key('k-alice')} alice"))
    assert (await _authenticate(config, "Bearer k-alice")).name == "key:alice"
    assert (await _authenticate(config, "bearer   k-alice")).name == "key:alice"
    for headers, message in [
        ((), "no credential"),
        (("Bearer wrong",), "unknown API key"),
        (("Basic k-alice",), "Bearer"),
        (("Bearer ",), "Bearer"),
        (("Bearer k-alice", "Bearer k-alice"), "more than one"),
    ]:
        with pytest.raises(AuthError, match=message):
            await _authenticate(config, *headers)


async def test_without_credentials_configured_every_call_is_anonymous() -> None:
    assert not AuthConfig().enabled
    assert await _authenticate(AuthConfig(), "Bearer whatever") is ANONYMOUS
    assert ANONYMOUS.may(Role.ADMIN)
    assert ANONYMOUS.sees("")


async def test_jwt_from_a_jwks_file(jwks_file: Path, rsa_key: Any, ec_key: Any) -> None:
    config = _jwt_auth(str(jwks_file))
    principal = await _authenticate(config, f"Bearer {_token(rsa_key, 'rsa-1')}")
    assert principal == Principal("jwt:svc-a", frozenset({Role.CALLER}))
    runner = await _authenticate(
        config, f"Bearer {_token(ec_key, 'ec-1', sub='r', roles=['runner', 'other-idp-role'])}"
    )
    assert runner == Principal("jwt:r", frozenset({Role.RUNNER}))
    spaced = await _authenticate(config, f"Bearer {_token(rsa_key, 'rsa-1', roles='admin')}")
    assert spaced.may(Role.RUNNER)


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        ({"iss": "https://evil.test/"}, "(?i)issuer"),
        ({"aud": "another-service"}, "(?i)audience"),
        ({"exp": int(time.time()) - 3600}, "(?i)expired"),
        ({"exp": None}, "exp"),
        ({"sub": None}, "'sub'"),
        ({"roles": ["root"]}, "no role"),
    ],
)
async def test_jwt_claims_are_checked(
    jwks_file: Path, rsa_key: Any, claims: dict[str, Any], message: str
) -> None:
    with pytest.raises(AuthError, match=message):
        await _authenticate(
            _jwt_auth(str(jwks_file)), f"Bearer {_token(rsa_key, 'rsa-1', **claims)}"
        )


async def test_jwt_signed_by_another_key_is_refused(jwks_file: Path) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(AuthError, match="invalid JWT"):
        await _authenticate(_jwt_auth(str(jwks_file)), f"Bearer {_token(stranger, 'rsa-1')}")
    with pytest.raises(AuthError, match="kid"):
        await _authenticate(_jwt_auth(str(jwks_file)), f"Bearer {_token(stranger, 'nope')}")


@dataclasses.dataclass
class JwksServer:
    url: str
    body: bytes
    ca_file: str = ""
    gets: int = 0

    def auth(self) -> AuthConfig:
        return _jwt_auth(self.url, self.ca_file)


@pytest.fixture
def jwks_server(jwks_file: Path, tmp_path: Path) -> Iterator[JwksServer]:
    """The JWKS over HTTPS, with a throwaway CA and server certificate (for 127.0.0.1)."""
    served = JwksServer("", jwks_file.read_bytes())
    ca, ca_name, ca_key = _issue("jwks-ca", None, ca=True)
    server_pem, _, _ = _issue("localhost", (ca_name, ca_key), ca=False)
    (tmp_path / "ca.pem").write_bytes(ca.cert)
    (tmp_path / "server.pem").write_bytes(server_pem.cert + server_pem.key)
    served.ca_file = str(tmp_path / "ca.pem")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            served.gets += 1
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(served.body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(tmp_path / "server.pem"))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    served.url = f"https://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    yield served
    server.shutdown()
    thread.join()


async def test_jwt_from_a_jwks_url(jwks_server: JwksServer, ec_key: Any) -> None:
    authenticator = jwks_server.auth().authenticator()
    for _ in range(3):
        principal = await authenticator.authenticate([f"Bearer {_token(ec_key, 'ec-1')}"], ())
        assert principal.name == "jwt:svc-a"
    assert jwks_server.gets == 1  # cached
    # Made-up key ids do not make the service fetch the JWKS on every call (at most once per
    # JWKS_MIN_REFRESH_SECONDS; it was just fetched).
    for number in range(5):
        with pytest.raises(AuthError, match="kid"):
            await authenticator.authenticate([f"Bearer {_token(ec_key, f'made-up-{number}')}"], ())
    assert jwks_server.gets == 1


async def test_a_key_added_to_the_jwks_url_is_picked_up(jwks_server: JwksServer) -> None:
    authenticator = jwks_server.auth().authenticator()
    assert authenticator._jwt is not None
    authenticator._jwt.JWKS_MIN_REFRESH_SECONDS = 0  # type: ignore[misc]
    new_key = ec.generate_private_key(ec.SECP256R1())
    with pytest.raises(AuthError, match="kid"):
        await authenticator.authenticate([f"Bearer {_token(new_key, 'ec-2')}"], ())
    jwks_server.body = jwks_of({"ec-2": new_key.public_key()}).encode()
    principal = await authenticator.authenticate([f"Bearer {_token(new_key, 'ec-2')}"], ())
    assert principal.name == "jwt:svc-a"


async def test_an_unreachable_jwks_url_is_unavailable_not_unauthenticated(ec_key: Any) -> None:
    from stigmer_sdk.testing import free_port

    config = _jwt_auth(f"https://127.0.0.1:{free_port()}/jwks.json")
    with pytest.raises(JwksUnavailableError):
        await _authenticate(config, f"Bearer {_token(ec_key, 'ec-1')}")


def test_a_jwks_over_plain_http_is_refused(jwks_file: Path) -> None:
    # A man in the middle of an http:// fetch would serve its own keys and mint admin JWTs.
    for url in ("http://id.example.test/jwks.json", "HTTP://127.0.0.1/jwks.json", "ftp://x/j"):
        with pytest.raises(AuthConfigError, match="https://"):
            _jwt_auth(url)
    with pytest.raises(AuthConfigError, match="https://"):
        AuthConfig.from_options(
            jwt_jwks="http://id.example.test/jwks.json", jwt_issuer=ISSUER, jwt_audience=AUDIENCE
        )
    assert _jwt_auth(str(jwks_file)).jwt is not None


async def test_a_server_certificate_of_another_ca_is_refused(jwks_server: JwksServer) -> None:
    token = _token(ec.generate_private_key(ec.SECP256R1()), "ec-1")
    with pytest.raises(JwksUnavailableError):
        await _authenticate(_jwt_auth(jwks_server.url), f"Bearer {token}")  # system CAs only
    assert jwks_server.gets == 0


async def test_the_jwk_use_and_alg_must_agree_with_the_token(
    tmp_path: Path, rsa_key: Any, ec_key: Any
) -> None:
    document = json.loads(jwks_of({"enc": rsa_key.public_key(), "es": ec_key.public_key()}))
    document["keys"][0]["use"] = "enc"
    document["keys"][1]["alg"] = "ES384"  # the key says ES384; the token is ES256
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(document))
    config = _jwt_auth(str(path))
    with pytest.raises(AuthError, match="use 'enc'"):
        await _authenticate(config, f"Bearer {_token(rsa_key, 'enc')}")
    with pytest.raises(AuthError, match="'ES256' is not its JWK's algorithm 'ES384'"):
        await _authenticate(config, f"Bearer {_token(ec_key, 'es')}")
    document["keys"][0]["use"] = "sig"
    document["keys"][1]["alg"] = "ES256"
    path.write_text(json.dumps(document))
    config = _jwt_auth(str(path))
    assert (await _authenticate(config, f"Bearer {_token(rsa_key, 'enc')}")).name == "jwt:svc-a"
    assert (await _authenticate(config, f"Bearer {_token(ec_key, 'es')}")).name == "jwt:svc-a"


async def test_a_broken_jwks_answer_is_unavailable_and_backs_off(
    jwks_server: JwksServer, ec_key: Any
) -> None:
    jwks_server.body = b"<html>502 Bad Gateway</html>"
    authenticator = jwks_server.auth().authenticator()
    token = f"Bearer {_token(ec_key, 'ec-1')}"
    for _ in range(3):  # never UNKNOWN, and not one fetch per call
        with pytest.raises(JwksUnavailableError, match="retrying in"):
            await authenticator.authenticate([token], ())
    assert jwks_server.gets == 1
    # After the backoff the next call fetches again, and gets the keys once they are back.
    jwks_server.body = Path(jwks_server.ca_file).parent.joinpath("jwks.json").read_bytes()
    assert authenticator._jwt is not None
    authenticator._jwt._retry_at = 0.0
    assert (await authenticator.authenticate([token], ())).name == "jwt:svc-a"
    assert jwks_server.gets == 2


async def test_concurrent_calls_share_one_bounded_jwks_fetch(ec_key: Any) -> None:
    fetches: list[float] = []
    release = threading.Event()
    document = jwks_of({"ec-1": ec_key.public_key()}).encode()

    def fetch(url: str, timeout: float, ca_file: str | None) -> bytes:
        fetches.append(timeout)
        release.wait(10)
        return document

    from stigmer_sdk.service.auth import JwtVerifier

    verifier = JwtVerifier(
        JwtConfig(jwks="https://id.example.test/jwks.json", issuer=ISSUER, audience=AUDIENCE),
        fetch=fetch,
    )
    calls = [asyncio.create_task(verifier.verify(_token(ec_key, "ec-1"))) for _ in range(5)]
    await asyncio.sleep(0.2)
    assert not any(call.done() for call in calls)  # all wait for the one fetch in flight
    release.set()
    principals = await asyncio.gather(*calls)
    assert {principal.name for principal in principals} == {"jwt:svc-a"}
    assert fetches == [JwtVerifier.JWKS_FETCH_TIMEOUT_SECONDS]


async def test_a_fetch_that_hangs_is_cut_at_its_bound(ec_key: Any) -> None:
    from stigmer_sdk.service.auth import JwtVerifier

    hang = threading.Event()

    class Quick(JwtVerifier):
        JWKS_FETCH_TIMEOUT_SECONDS = 0.1

    verifier = Quick(
        JwtConfig(jwks="https://id.example.test/jwks.json", issuer=ISSUER, audience=AUDIENCE),
        fetch=lambda url, timeout, ca: hang.wait(5) and b"",
    )
    try:
        with pytest.raises(JwksUnavailableError):
            await verifier.verify(_token(ec_key, "ec-1"))
    finally:
        hang.set()


async def test_an_overlong_jwt_subject_is_refused(jwks_file: Path, rsa_key: Any) -> None:
    token = _token(rsa_key, "rsa-1", sub="x" * 257)
    with pytest.raises(AuthError, match="longer than 256"):
        await _authenticate(_jwt_auth(str(jwks_file)), f"Bearer {token}")


async def test_a_jwt_is_no_api_key_and_an_api_key_no_jwt(jwks_file: Path, rsa_key: Any) -> None:
    token = _token(rsa_key, "rsa-1")
    keys_only = AuthConfig(keys=StaticKeys.parse(f"{hash_api_key('k')} a"))
    with pytest.raises(AuthError, match="unknown API key"):
        await _authenticate(keys_only, f"Bearer {token}")
    both = AuthConfig.from_options(
        api_keys=f"{hash_api_key('k')} a",
        jwt_jwks=str(jwks_file),
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
    )
    assert (await _authenticate(both, "Bearer k")).name == "key:a"
    assert (await _authenticate(both, f"Bearer {token}")).name == "jwt:svc-a"


def test_jwt_needs_jwks_issuer_and_audience(jwks_file: Path) -> None:
    with pytest.raises(AuthConfigError, match="required"):
        AuthConfig.from_options(jwt_jwks=str(jwks_file), jwt_issuer=ISSUER)


async def test_certificate_identities_map_to_roles() -> None:
    config = AuthConfig(
        certificate_roles=parse_certificate_roles(["spiffe://corp/runner=runner", "*=caller"])
    )
    runner = await _authenticate(config, peers=("spiffe://corp/runner", "runner-cn"))
    assert runner == Principal("cert:spiffe://corp/runner", frozenset({Role.RUNNER}))
    other = await _authenticate(config, peers=("billing",))
    assert other == Principal("cert:billing", frozenset({Role.CALLER}))
    with pytest.raises(AuthError, match="no credential"):
        await _authenticate(config)
    strict = AuthConfig(certificate_roles=parse_certificate_roles(["runner-cn=runner"]))
    with pytest.raises(AuthError, match="not authorised"):
        await _authenticate(strict, peers=("billing",))
    # A present authorization header is checked, not ignored in favour of the certificate.
    with pytest.raises(AuthError, match="unknown API key"):
        await _authenticate(config, "Bearer wrong", peers=("billing",))


class _PeerContext:
    def __init__(self, auth: dict[str, list[bytes]]) -> None:
        self._auth = auth

    def auth_context(self) -> dict[str, list[bytes]]:
        return self._auth


def test_a_certificate_with_sans_is_known_by_its_sans_only() -> None:
    with_sans = _PeerContext(
        {
            "x509_subject_alternative_name": [b"spiffe://corp/billing", b"billing.corp"],
            "x509_common_name": [b"runner-cn"],
        }
    )
    # The CN (which a CA may fill freely) is no identity once the certificate has SANs.
    assert peer_identities(with_sans) == ("spiffe://corp/billing", "billing.corp")  # type: ignore[arg-type]
    cn_only = _PeerContext({"x509_common_name": [b"runner-cn"]})
    assert peer_identities(cn_only) == ("runner-cn",)  # type: ignore[arg-type]


def test_service_log_fields_are_escaped(caplog: pytest.LogCaptureFixture) -> None:
    import stigmer_sdk.service  # installs the filter

    assert stigmer_sdk.service
    subject = "jwt:evil\r\nWARNING forged\x1b[31m\u202e"
    with caplog.at_level(logging.INFO, "stigmer_sdk.service"):
        logging.getLogger("stigmer_sdk.service").info("principal=%s n=%d", subject, 3)
        logging.getLogger("stigmer_sdk.service.store").info("error=%s", ValueError("a\nb"))
    first, second = (record.getMessage() for record in caplog.records)
    assert first == "principal=jwt:evil\\x0d\\x0aWARNING forged\\x1b[31m\\u202e n=3"
    assert second == "error=a\\x0ab"


def test_a_contract_lines_fields_are_escaped_too(caplog: pytest.LogCaptureFixture) -> None:
    import stigmer_sdk.service  # installs the filter
    from stigmer_sdk import _contract
    from stigmer_sdk.logs import log_line, record_fields

    assert stigmer_sdk.service
    with caplog.at_level(logging.INFO, "stigmer_sdk.service"):
        log_line(
            logging.getLogger("stigmer_sdk.service"),
            _contract.LOG_NO_CALLBACK_TOKEN,
            execution_id="aex_1\nINFO forged",
        )
    (record,) = caplog.records
    assert record.getMessage() == _contract.LOG_NO_CALLBACK_TOKEN.message
    assert record_fields(record) == {"execution_id": "aex_1\\x0aINFO forged"}


def test_roles_decide_what_a_principal_sees() -> None:
    alice = Principal("key:alice", frozenset({Role.CALLER}))
    runner = Principal("key:runner", frozenset({Role.RUNNER}))
    admin = Principal("key:admin", frozenset({Role.ADMIN}))
    assert alice.sees("key:alice")
    assert not alice.sees("key:bob")
    assert not alice.sees("")
    assert not alice.may(Role.RUNNER)
    assert runner.sees("key:bob")
    assert not runner.may(Role.CALLER)
    assert admin.sees("key:bob")
    assert admin.may(Role.CALLER)
    assert admin.may(Role.RUNNER)


def test_unauthenticated_service_only_on_loopback() -> None:
    for listen in ("127.0.0.1:7234", "localhost:7234", "[::1]:7234", "127.0.0.2:1"):
        check_exposure(ServiceConfig(listen=listen))
    for listen in ("0.0.0.0:7234", "[::]:7234", "10.1.2.3:7234", "stigmer.internal:7234"):
        with pytest.raises(ServiceStartError, match="--insecure-no-auth"):
            check_exposure(ServiceConfig(listen=listen))
        check_exposure(ServiceConfig(listen=listen, insecure_no_auth=True))
        keyed = AuthConfig(keys=StaticKeys.parse(f"{hash_api_key('k')} a"))
        check_exposure(ServiceConfig(listen=listen, auth=keyed))


def test_environment_configures_authentication(tmp_path: Path, jwks_file: Path) -> None:
    keys = tmp_path / "keys"
    keys.write_text(f"{hash_api_key('k1')} one caller\n")
    config = ServiceConfig.from_env(
        {
            "STIGMER_LISTEN": "0.0.0.0:7234",
            "STIGMER_API_KEYS_FILE": str(keys),
            "STIGMER_API_KEYS": f"{hash_api_key('k2')} two runner",
            "STIGMER_JWT_JWKS": str(jwks_file),
            "STIGMER_JWT_ISSUER": ISSUER,
            "STIGMER_JWT_AUDIENCE": AUDIENCE,
            "STIGMER_CLIENT_CERT_ROLES": "runner.corp=runner;*=caller",
        }
    )
    assert config.auth.keys.match("k1") is not None
    assert config.auth.keys.match("k2") == Principal("key:two", frozenset({Role.RUNNER}))
    assert config.auth.jwt is not None
    assert config.auth.jwt.audience == AUDIENCE
    assert set(config.auth.certificate_roles) == {"runner.corp", "*"}
    assert config.auth.describe() == (f"API keys (2), JWT (issuer {ISSUER}), mTLS identities (2)")
    check_exposure(config)
    assert ServiceConfig.from_env({"STIGMER_INSECURE_NO_AUTH": "1"}).insecure_no_auth
    key = base64.b64encode(bytes(32)).decode()
    keyed = ServiceConfig.from_env(
        {"STIGMER_TOKEN_ENCRYPTION_KEY": key, "STIGMER_ENCRYPTION_KEYS": f"k2:{key}"}
    )
    assert [k.kid for k in keyed.encryption_keys] == ["default", "k2"]
