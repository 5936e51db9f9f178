"""The OpenID Connect relying party: discovery, the authorization code flow with PKCE, the ID
token's checks, userinfo and Feide's groups API.

Authlib's requests client builds the authorization URL (with the S256 code challenge) and
exchanges the code; joserfc checks the ID token (Authlib's own JOSE code is deprecated). Nothing
here touches the database: ``maturity.auth.signin`` decides who the person is.
"""

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import requests
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from requests import RequestException

from maturity.settings import Settings

log = logging.getLogger(__name__)

ALGORITHMS = ["RS256"]
LEEWAY_SECONDS = 60  # clock skew allowed between us and the provider
CACHE_SECONDS = 3600  # discovery document and keys are fetched again after this long
TIMEOUT_SECONDS = 10


class SignInFailed(Exception):
    """The provider's answer cannot be trusted or used. ``reason`` is for the log, never shown."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ProviderMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    jwks_uri: str
    end_session_endpoint: str | None


@dataclass(frozen=True, slots=True)
class Identity:
    """Who signed in, as the provider says: the subject, the account key and what else it told."""

    sub: str
    login_name: str
    name: str
    email: str
    affiliation: str | None = None  # Feide's primaryAffiliation (employee, faculty, staff, student…)
    org_unit_ids: tuple[str, ...] = ()  # ids of the fc:orgunit groups, the primary one first


@dataclass
class _Cached:
    value: Any = None
    fetched_at: float = 0.0


@dataclass
class OidcClient:
    """One per app process; the discovery document and the provider's keys are cached."""

    settings: Settings
    _metadata: _Cached = field(default_factory=_Cached)
    _keys: _Cached = field(default_factory=_Cached)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _session(self, **kwargs: Any) -> OAuth2Session:
        return OAuth2Session(
            self.settings.oidc_client_id,
            self.settings.oidc_client_secret or None,
            scope=self.settings.oidc_scopes,
            code_challenge_method="S256",
            **kwargs,
        )

    def _get_json(self, url: str, **kwargs: Any) -> Any:
        with requests.Session() as http:
            try:
                answer = http.get(url, timeout=TIMEOUT_SECONDS, **kwargs)
                answer.raise_for_status()
                return answer.json()
            except (RequestException, ValueError) as exc:
                raise SignInFailed(f"GET {url}: {exc}") from None

    def metadata(self) -> ProviderMetadata:
        with self._lock:
            if self._metadata.value is not None and time.monotonic() - self._metadata.fetched_at < CACHE_SECONDS:
                return self._metadata.value
        issuer = self.settings.oidc_issuer.rstrip("/")
        document = self._get_json(f"{issuer}/.well-known/openid-configuration")
        if not isinstance(document, dict) or document.get("issuer", "").rstrip("/") != issuer:
            raise SignInFailed(f"the discovery document names another issuer: {document.get('issuer')!r}")
        try:
            metadata = ProviderMetadata(
                issuer=document["issuer"],
                authorization_endpoint=document["authorization_endpoint"],
                token_endpoint=document["token_endpoint"],
                userinfo_endpoint=document["userinfo_endpoint"],
                jwks_uri=document["jwks_uri"],
                end_session_endpoint=document.get("end_session_endpoint"),
            )
        except KeyError as exc:
            raise SignInFailed(f"the discovery document lacks {exc}") from None
        with self._lock:
            self._metadata = _Cached(metadata, time.monotonic())
        return metadata

    def _key_set(self, *, refresh: bool = False) -> KeySet:
        with self._lock:
            fresh = time.monotonic() - self._keys.fetched_at < CACHE_SECONDS
            if self._keys.value is not None and fresh and not refresh:
                return self._keys.value
        try:
            keys = KeySet.import_key_set(self._get_json(self.metadata().jwks_uri))
        except (JoseError, ValueError, TypeError) as exc:
            raise SignInFailed(f"the provider's keys cannot be read: {exc}") from None
        with self._lock:
            self._keys = _Cached(keys, time.monotonic())
        return keys

    def authorization_url(self, *, redirect_uri: str, state: str, nonce: str, code_verifier: str) -> str:
        with self._session(redirect_uri=redirect_uri) as oauth:
            url, _ = oauth.create_authorization_url(
                self.metadata().authorization_endpoint, state=state, nonce=nonce, code_verifier=code_verifier
            )
        return str(url)

    def exchange_code(self, *, redirect_uri: str, code: str, code_verifier: str) -> dict[str, Any]:
        """The token response for an authorization code; refused codes raise SignInFailed."""
        with self._session(redirect_uri=redirect_uri) as oauth:
            try:
                token = oauth.fetch_token(
                    self.metadata().token_endpoint, code=code, code_verifier=code_verifier, timeout=TIMEOUT_SECONDS
                )
            except Exception as exc:  # Authlib raises OAuthError, requests its own; both mean "no token"
                raise SignInFailed(f"the token endpoint refused the code: {exc}") from None
        if not token.get("id_token") or not token.get("access_token"):
            raise SignInFailed("the token response has no ID token or no access token")
        return dict(token)

    def verify_id_token(self, id_token: str, *, nonce: str) -> dict[str, Any]:
        """The ID token's claims once its RS256 signature, issuer, audience, times and nonce hold."""
        try:
            try:
                token = jwt.decode(id_token, self._key_set(), algorithms=ALGORITHMS)
            except JoseError:
                # The provider may have rolled its keys since we fetched them: one more try.
                token = jwt.decode(id_token, self._key_set(refresh=True), algorithms=ALGORITHMS)
            claims = dict(token.claims)
            jwt.JWTClaimsRegistry(
                leeway=LEEWAY_SECONDS,
                iss={"essential": True, "value": self.metadata().issuer},
                aud={"essential": True, "value": self.settings.oidc_client_id},
                sub={"essential": True},
                exp={"essential": True},
                iat={"essential": True},
                nonce={"essential": True, "value": nonce},
            ).validate(claims)
        except (JoseError, ValueError, TypeError) as exc:
            raise SignInFailed(f"the ID token is not valid: {type(exc).__name__} {exc}") from None
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != self.settings.oidc_client_id:
            raise SignInFailed("the ID token has several audiences and we are not its authorized party")
        return claims

    def logout_url(self, *, id_token: str, back_to: str) -> str | None:
        """The provider's RP-initiated logout (end_session_endpoint) for this login, if it has one."""
        try:
            endpoint = self.metadata().end_session_endpoint
        except SignInFailed as exc:
            log.warning("the provider's logout is unknown: %s", exc.reason)
            return None
        if not endpoint:
            return None
        query = urlencode(
            {"id_token_hint": id_token, "post_logout_redirect_uri": back_to, "client_id": self.settings.oidc_client_id}
        )
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"

    def userinfo(self, access_token: str) -> dict[str, Any]:
        info = self._get_json(self.metadata().userinfo_endpoint, headers=_bearer(access_token))
        if not isinstance(info, dict):
            raise SignInFailed("the userinfo answer is not an object")
        return info

    def groups(self, access_token: str) -> list[dict[str, Any]]:
        """The person's groups from Feide's groups API, or none when it is not configured."""
        if not self.settings.oidc_groups_url:
            return []
        groups = self._get_json(self.settings.oidc_groups_url, headers=_bearer(access_token))
        if not isinstance(groups, list):
            raise SignInFailed("the groups answer is not a list")
        return [g for g in groups if isinstance(g, dict)]

    def identity(self, token: dict[str, Any], *, nonce: str) -> tuple[Identity, dict[str, Any]]:
        """Who signed in (from the checked ID token, userinfo and groups) and the ID token's claims."""
        claims = self.verify_id_token(token["id_token"], nonce=nonce)
        info = self.userinfo(token["access_token"])
        if info.get("sub") != claims["sub"]:
            raise SignInFailed("userinfo is about another subject than the ID token")
        merged = {**claims, **info}
        login_name = str(merged.get(self.settings.oidc_login_claim) or "").strip().lower()
        if not login_name:
            raise SignInFailed(f"the provider sent no {self.settings.oidc_login_claim} claim")
        affiliation, units = read_feide_groups(self.groups(token["access_token"]))
        identity = Identity(
            sub=str(claims["sub"]),
            login_name=login_name,
            name=str(merged.get(self.settings.oidc_name_claim) or "").strip(),
            email=str(merged.get(self.settings.oidc_email_claim) or "").strip().lower(),
            affiliation=affiliation,
            org_unit_ids=units,
        )
        return identity, claims


def _bearer(access_token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {access_token}"}


def read_feide_groups(groups: list[dict[str, Any]]) -> tuple[str | None, tuple[str, ...]]:
    """The primary affiliation (from the ``fc:org`` group) and the org unit group ids, the
    primary unit first (docs.feide.no reference/apis/groups_api/group_types/he_organization.html
    and he_organization_unit.html)."""
    affiliation = None
    units: list[tuple[bool, str]] = []
    for group in groups:
        membership = group.get("membership") if isinstance(group.get("membership"), dict) else {}
        assert isinstance(membership, dict)
        if group.get("type") == "fc:org" and affiliation is None:
            value = membership.get("primaryAffiliation")
            affiliation = str(value).lower() if value else None
        elif group.get("type") == "fc:orgunit" and isinstance(group.get("id"), str):
            units.append((not membership.get("primaryOrgUnit"), group["id"]))
    return affiliation, tuple(unit for _, unit in sorted(units))
