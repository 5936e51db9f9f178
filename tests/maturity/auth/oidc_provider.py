"""A real OpenID provider in the test process (oidc-provider-mock, on Authlib and Flask) and a
small local server in the shape of Feide's groups API.

oidc-provider-mock 0.3 checks client, redirect URI, code and nonce but not PKCE, and always
issues correct ID tokens. Two hooks on its Flask app add what the tests need, without touching
its code: PKCE (RFC 7636, S256) enforced at the token endpoint as Feide does, and — only when a
test asks — the ID token of a token response re-signed with changed claims, another key or no
signature at all, the way a broken or hostile provider or a man in the middle would send it.
"""

import base64
import hashlib
import json
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import flask
import httpx
import pytest
import werkzeug.serving
from joserfc import jws
from joserfc.jwk import RSAKey

with warnings.catch_warnings():
    # oidc-provider-mock signs with Authlib's own (deprecated) JOSE module; that is its business.
    warnings.simplefilter("ignore", DeprecationWarning)
    import oidc_provider_mock

Claims = dict[str, Any]
# What oidc-provider-mock 0.3 itself sets off in Authlib (its threads share the test's warning filters).
PROVIDER_WARNINGS = [
    pytest.mark.filterwarnings("ignore:get_jwt_config:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::authlib.deprecate.AuthlibDeprecationWarning"),
]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class IdTokenTamper:
    """How the provider's next ID tokens are changed."""

    claims: Callable[[Claims], Claims] = lambda c: c
    key: str = "provider"  # "provider": its own key; "other": a fresh key with the same kid; "none": alg none


@dataclass
class Provider:
    app: flask.Flask
    url: str = ""
    tamper: IdTokenTamper | None = None
    drop_verifier: bool = False  # the token request arrives without its PKCE verifier
    challenges: dict[str, tuple[str, str]] = field(default_factory=dict)  # code → (challenge, method)
    other_key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, private=True))

    def set_user(self, sub: str, claims: Claims) -> None:
        httpx.put(f"{self.url}/users/{sub}", json=claims).raise_for_status()

    def authorize(self, authorization_url: str, sub: str) -> str:
        """What the person does on the provider's page: sign in as ``sub``. Returns where the
        provider sends the browser back (our callback with code and state)."""
        answer = httpx.post(authorization_url, data={"sub": sub}, follow_redirects=False)
        assert answer.status_code == 302, answer.text
        return answer.headers["location"]

    def install_hooks(self) -> None:
        app = self.app

        @app.after_request
        def remember_challenge(response: flask.Response) -> flask.Response:
            if flask.request.path == "/oauth2/authorize" and flask.request.method == "POST":
                code = parse_qs(urlsplit(response.headers.get("location", "")).query).get("code", [""])[0]
                if code:
                    args = flask.request.args
                    self.challenges[code] = (args.get("code_challenge", ""), args.get("code_challenge_method", ""))
            return response

        @app.before_request
        def require_pkce() -> tuple[dict[str, str], int] | None:
            if flask.request.path != "/oauth2/token" or flask.request.form.get("grant_type") != "authorization_code":
                return None
            challenge, method = self.challenges.pop(flask.request.form.get("code", ""), ("", ""))
            verifier = "" if self.drop_verifier else flask.request.form.get("code_verifier", "")
            expected = _b64(hashlib.sha256(verifier.encode()).digest())
            if not verifier or method != "S256" or challenge != expected:
                return {"error": "invalid_grant", "error_description": "PKCE verification failed"}, 400
            return None

        @app.after_request
        def tamper_id_token(response: flask.Response) -> flask.Response:
            if flask.request.path != "/oauth2/token" or self.tamper is None or response.status_code != 200:
                return response
            body = json.loads(response.get_data())
            header_b64, payload_b64, _ = body["id_token"].split(".")
            header = json.loads(_unb64(header_b64))
            claims = self.tamper.claims(json.loads(_unb64(payload_b64)))
            if self.tamper.key == "none":
                token = (
                    f"{_b64(json.dumps({'alg': 'none', 'typ': 'JWT'}).encode())}.{_b64(json.dumps(claims).encode())}."
                )
            else:
                if self.tamper.key == "provider":
                    storage = flask.g.oidc_provider_mock_storage
                    key = RSAKey.import_key(storage.jwk.as_dict(is_private=True))
                else:
                    key = self.other_key
                protected = {"alg": "RS256", "kid": header.get("kid")} if header.get("kid") else {"alg": "RS256"}
                token = jws.serialize_compact(protected, json.dumps(claims).encode(), key, algorithms=["RS256"])
            body["id_token"] = token
            response.set_data(json.dumps(body))
            return response


@contextmanager
def running_provider() -> Iterator[Provider]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        app = oidc_provider_mock.app(require_nonce=True)
    provider = Provider(app)
    provider.install_hooks()
    server = werkzeug.serving.make_server("localhost", 0, app, threaded=True)
    provider.url = f"http://localhost:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()


# --- Feide's groups API ---------------------------------------------------------------------------
# Shapes as documented at https://docs.feide.no/reference/apis/groups_api/groups_endpoints.html
# (GET /groups/me/groups), with the group types of
# https://docs.feide.no/reference/apis/groups_api/group_types/he_organization.html and
# https://docs.feide.no/reference/apis/groups_api/group_types/he_organization_unit.html


def feide_org_group(realm: str, affiliation: str) -> dict[str, Any]:
    return {
        "id": f"fc:org:{realm}",
        "type": "fc:org",
        "displayName": "Universitetet i Eksempel",
        "public": True,
        "membership": {
            "basic": "member",
            "affiliation": ["member", affiliation, "employee"],
            "primaryAffiliation": affiliation,
            "displayName": "Ansatt",
        },
        "orgType": ["higher_education"],
        "norEduOrgNIN": "NO123456789",
    }


def feide_orgunit_group(realm: str, unit: str, *, primary: bool) -> dict[str, Any]:
    membership: dict[str, Any] = {"basic": "member"}
    if primary:
        membership["primaryOrgUnit"] = True
    return {
        "id": f"fc:org:{realm}:unit:{unit}",
        "type": "fc:orgunit",
        "parent": f"fc:org:{realm}",
        "displayName": f"Enhet {unit}",
        "public": True,
        "membership": membership,
    }


@dataclass
class GroupsApi:
    url: str = ""
    groups: list[dict[str, Any]] = field(default_factory=list)
    bearer_tokens: list[str] = field(default_factory=list)  # the tokens it was asked with


@contextmanager
def running_groups_api() -> Iterator[GroupsApi]:
    api = GroupsApi()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # the name http.server calls
            authorization = self.headers.get("authorization", "")
            if self.path != "/groups/me/groups" or not authorization.startswith("Bearer "):
                self.send_response(401 if self.path == "/groups/me/groups" else 404)
                self.end_headers()
                return
            api.bearer_tokens.append(authorization.removeprefix("Bearer "))
            body = json.dumps(api.groups).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # http.server's signature
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    api.url = f"http://127.0.0.1:{server.server_port}/groups/me/groups"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield api
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()
