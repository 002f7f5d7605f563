"""A real OAuth 2.0 authorization server for the tests, built on Authlib's server components: the authorization code
grant with PKCE (RFC 7636), refresh tokens, revocation (RFC 7009) and introspection (RFC 7662), plus a consent page
and a userinfo endpoint, as Google's and Microsoft's are to Pursuit. It runs in a thread on a free port (wsgiref).

Dovecot's `oauth2` passdb and the tests' SMTP server check the access tokens Pursuit presents (XOAUTH2,
OAUTHBEARER) against its introspection endpoint, so a login with a token is checked for real. The tests can
expire an access token, revoke a user's grant, and refuse consent, as a provider would.
"""

from __future__ import annotations

import contextlib
import html
import json
import os
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from authlib.oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import (
    ClientMixin,
    OAuth2Error,
    OAuth2Payload,
    OAuth2Request,
    TokenMixin,
    grants,
)
from authlib.oauth2.rfc6749.requests import JsonRequest
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7662 import IntrospectionEndpoint

# Plain HTTP on loopback, for the tests only: Authlib refuses it otherwise (as it should for a real provider).
os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")
CLIENT_ID, CLIENT_SECRET = "pursuit-test-client", "pursuit-test-secret"
# The resource servers' own credentials for the introspection endpoint (Dovecot, the SMTP server).
RESOURCE_ID, RESOURCE_SECRET = "mail-servers", "mail-servers-secret"
SCOPE = "mail offline_access"


@dataclass
class Client(ClientMixin):
    client_id: str
    client_secret: str
    redirect_uris: list[str] = field(default_factory=list)
    is_resource_server: bool = False

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uris[0] if self.redirect_uris else ""

    def get_allowed_scope(self, scope: str) -> str:
        return " ".join(s for s in (scope or "").split() if s in SCOPE.split())

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        # The tests' live server picks its port at random: any loopback callback of Pursuit's is accepted.
        return redirect_uri.startswith(("http://localhost:", "http://127.0.0.1:")) and redirect_uri.endswith(
            "/mailbox/oauth/callback/"
        )

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and not self.is_resource_server

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in ("authorization_code", "refresh_token") and not self.is_resource_server


@dataclass
class Code:
    code: str
    client_id: str
    user: str
    redirect_uri: str
    scope: str
    code_challenge: str | None
    code_challenge_method: str | None

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope


@dataclass
class Token(TokenMixin):
    client_id: str
    user: str
    access_token: str
    refresh_token: str | None
    scope: str
    issued_at: float
    expires_in: int
    revoked: bool = False

    def check_client(self, client: Client) -> bool:
        return client.client_id == self.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return self.expires_in

    def is_expired(self) -> bool:
        return time.time() >= self.issued_at + self.expires_in

    def is_revoked(self) -> bool:
        return self.revoked

    def get_user(self) -> str:
        return self.user

    def get_client(self) -> Client:  # type: ignore[override]
        return STATE.clients[self.client_id]


@dataclass
class _State:
    clients: dict[str, Client] = field(default_factory=dict)
    codes: dict[str, Code] = field(default_factory=dict)
    tokens: list[Token] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    access_lifetime: int = 3600


STATE = _State()


class _Payload(OAuth2Payload):
    def __init__(self, data: dict[str, str]) -> None:
        self._data = data

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> dict[str, list[str]]:  # type: ignore[override]
        return {key: [value] for key, value in self._data.items()}


class _Request(OAuth2Request):
    """A WSGI request as Authlib's grants read it: the query and the form, and the headers."""

    def __init__(self, environ: dict[str, Any], form: dict[str, str]) -> None:
        query = {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        host = environ.get("HTTP_HOST", "127.0.0.1")
        uri = f"http://{host}{environ.get('PATH_INFO', '')}?{environ.get('QUERY_STRING', '')}"
        headers = {
            key[5:].replace("_", "-").title(): value for key, value in environ.items() if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        super().__init__(environ["REQUEST_METHOD"], uri, headers=headers)
        self._query, self._form = query, form
        self.payload = _Payload({**query, **form})

    @property
    def args(self) -> dict[str, str]:
        return self._query

    @property
    def form(self) -> dict[str, str]:
        return self._form


class _Server(AuthorizationServer):
    def query_client(self, client_id: str) -> Client | None:
        return STATE.clients.get(client_id)

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        with STATE.lock:
            STATE.tokens.append(
                Token(
                    client_id=request.client.client_id,
                    user=request.user,
                    access_token=token["access_token"],
                    refresh_token=token.get("refresh_token"),
                    scope=token.get("scope", ""),
                    issued_at=time.time(),
                    expires_in=int(token.get("expires_in", STATE.access_lifetime)),
                )
            )

    def create_oauth2_request(self, request: _Request) -> _Request:
        return request

    def create_json_request(self, request: _Request) -> JsonRequest:
        return JsonRequest(request.method, request.uri, request.headers)

    def handle_response(self, status: int, body: Any, headers: list[tuple[str, str]]) -> tuple[int, Any, list]:
        return status, body, headers

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None


class _CodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        payload = request.payload
        STATE.codes[code] = Code(
            code=code,
            client_id=request.client.client_id,
            user=request.user,
            redirect_uri=payload.redirect_uri,
            scope=request.scope,
            code_challenge=payload.data.get("code_challenge"),
            code_challenge_method=payload.data.get("code_challenge_method"),
        )

    def query_authorization_code(self, code: str, client: Client) -> Code | None:
        found = STATE.codes.get(code)
        return found if found and found.client_id == client.client_id else None

    def delete_authorization_code(self, authorization_code: Code) -> None:
        STATE.codes.pop(authorization_code.code, None)

    def authenticate_user(self, authorization_code: Code) -> str:
        return authorization_code.user


class _RefreshGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
    INCLUDE_NEW_REFRESH_TOKEN = False  # as Google: the refresh token stays the same

    def authenticate_refresh_token(self, refresh_token: str) -> Token | None:
        for token in STATE.tokens:
            if token.refresh_token == refresh_token and not token.revoked:
                return token
        return None

    def authenticate_user(self, refresh_token: Token) -> str:
        return refresh_token.user

    def revoke_old_credential(self, refresh_token: Token) -> None:
        # The old access token stops; the refresh token is carried to the new one.
        refresh_token.expires_in = 0


def _find(token: str, hint: str | None) -> Token | None:
    for item in reversed(STATE.tokens):
        if hint != "refresh_token" and item.access_token == token:
            return item
        if hint != "access_token" and item.refresh_token == token:
            return item
    return None


class _Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def query_token(self, token_string: str, token_type_hint: str | None) -> Token | None:
        return _find(token_string, token_type_hint)

    def revoke_token(self, token: Token, request: OAuth2Request) -> None:
        # Revoking a grant revokes it whole: every token issued from the same refresh token goes.
        for item in STATE.tokens:
            if item.user == token.user and item.client_id == token.client_id:
                item.revoked = True


class _Introspection(IntrospectionEndpoint):
    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def query_token(self, token_string: str, token_type_hint: str | None) -> Token | None:
        return _find(token_string, token_type_hint)

    def check_permission(self, token: Token, client: Client, request: OAuth2Request) -> bool:
        return client.is_resource_server or client.client_id == token.client_id

    def introspect_token(self, token: Token) -> dict[str, Any]:
        return {
            "active": True,
            "client_id": token.client_id,
            "token_type": "Bearer",
            "username": token.user,
            "scope": token.get_scope(),
            "sub": token.user,
            "exp": int(token.issued_at + token.expires_in),
            "iat": int(token.issued_at),
        }


def _server() -> _Server:
    server = _Server()
    server.register_grant(_CodeGrant, [CodeChallenge(required=True)])
    server.register_grant(_RefreshGrant)
    server.register_endpoint(_Revocation)
    server.register_endpoint(_Introspection)

    def generate(client: Client, grant_type: str, user: str | None = None, scope: str | None = None, **kw: Any):
        return secrets.token_urlsafe(24)

    from authlib.oauth2.rfc6750 import BearerTokenGenerator

    server.register_token_generator(
        "default",
        BearerTokenGenerator(
            access_token_generator=generate,
            refresh_token_generator=generate,
            expires_generator=lambda client, grant_type: STATE.access_lifetime,
        ),
    )
    return server


CONSENT = """<!doctype html><html><head><title>Test provider: sign in</title></head><body>
<h1>Pursuit wants to read and send your mail</h1>
<form method="post" action="/authorize?{query}">
<label>Account <input name="user" value="{user}"></label>
<button name="consent" value="allow">Allow</button>
<button name="consent" value="deny">Deny</button>
</form></body></html>"""


class OAuthServer:
    """The running server: its address and its endpoints as settings, and the tests' controls."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.server = _server()

    @property
    def endpoints(self) -> dict[str, str]:
        return {
            "authorize_url": f"{self.url}/authorize",
            "token_url": f"{self.url}/token",
            "revoke_url": f"{self.url}/revoke",
            "userinfo_url": f"{self.url}/userinfo",
            "introspection_url": f"{self.url}/introspect",
        }

    def expire_access_tokens(self, user: str) -> None:
        """As time does: the user's access tokens stop working; their refresh token still gets new ones."""
        with STATE.lock:
            for token in STATE.tokens:
                if token.user == user:
                    token.expires_in = 0

    def revoke_grant(self, user: str) -> None:
        """As a user removing the app from their account, or an admin: every token of theirs stops."""
        with STATE.lock:
            for token in STATE.tokens:
                if token.user == user:
                    token.revoked = True

    def tokens_of(self, user: str) -> list[Token]:
        return [token for token in STATE.tokens if token.user == user]

    def app(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length).decode() if length else ""
        form = {k: v[-1] for k, v in parse_qs(body).items()}
        request = _Request(environ, form)
        if path == "/authorize" and method == "GET":
            query = environ.get("QUERY_STRING", "")
            hint = html.escape(request.args.get("login_hint", ""))
            page = CONSENT.format(query=html.escape(query), user=hint).encode()
            start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
            return [page]
        if path == "/authorize" and method == "POST":
            user = form.get("user", "") if form.get("consent") == "allow" else None
            try:
                grant = self.server.get_consent_grant(request=request, end_user=user)
            except OAuth2Error as error:
                return self._respond(start_response, error.status_code, dict(error.get_body()), [])
            status, payload, headers = self.server.create_authorization_response(
                request=request, grant_user=user, grant=grant
            )
            return self._respond(start_response, status, payload, headers)
        if path == "/token" and method == "POST":
            return self._respond(start_response, *self.server.create_token_response(request))
        if path == "/revoke" and method == "POST":
            return self._respond(start_response, *self.server.create_endpoint_response("revocation", request))
        if path == "/introspect" and method == "POST":
            return self._respond(start_response, *self.server.create_endpoint_response("introspection", request))
        if path == "/userinfo":
            auth = environ.get("HTTP_AUTHORIZATION", "")
            token = _find(auth.removeprefix("Bearer ").strip(), "access_token") if auth.startswith("Bearer ") else None
            if token is None or token.is_expired() or token.revoked:
                return self._respond(start_response, 401, {"error": "invalid_token"}, [])
            return self._respond(start_response, 200, {"email": token.user, "email_verified": True}, [])
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]

    @staticmethod
    def _respond(start_response: Any, status: int, payload: Any, headers: list[tuple[str, str]]) -> list[bytes]:
        body = payload if isinstance(payload, str | bytes) else json.dumps(payload or {})
        data = body.encode() if isinstance(body, str) else body
        names = {name.lower() for name, _ in headers}
        if "content-type" not in names:
            headers = [*headers, ("Content-Type", "application/json")]
        start_response(f"{status} {'OK' if status < 400 else 'Error'}", list(headers))
        return [data]


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the standard library's name
        pass


class _ThreadingServer(WSGIServer):
    daemon_threads = True

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(target=self._handle, args=(request, client_address), daemon=True)
        thread.start()

    def _handle(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:  # noqa: BLE001 - one broken request never stops the test server
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)


@contextlib.contextmanager
def oauth_server(port: int) -> Iterator[OAuthServer]:
    """The server running on 127.0.0.1:`port`, with Pursuit's client and the mail servers' credentials registered."""
    STATE.clients = {
        CLIENT_ID: Client(CLIENT_ID, CLIENT_SECRET),
        RESOURCE_ID: Client(RESOURCE_ID, RESOURCE_SECRET, is_resource_server=True),
    }
    STATE.codes.clear()
    STATE.tokens.clear()
    running = OAuthServer(port)
    httpd = make_server("127.0.0.1", port, running.app, server_class=_ThreadingServer, handler_class=_QuietHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield running
    finally:
        httpd.shutdown()
        httpd.server_close()
