"""A client of a served app over real HTTP: a browser's cookies and CSRF tokens, and API calls.

Redirects are not followed, so a test sees the 302 after a sign-in; error statuses are answers, not
exceptions.
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    text: str

    def json(self) -> Any:
        return json.loads(self.text)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Visitor:
    """One browser (its own cookies) talking to ``http://127.0.0.1:port``; ``port`` may change,
    to carry the same cookies to another server."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies = http.cookiejar.CookieJar()
        self._opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect()
        )

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        port: int | None = None,
    ) -> Answer:
        url = f"http://127.0.0.1:{port or self.port}{path}"
        req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
        try:
            with self._opener.open(req, timeout=60) as response:
                return Answer(response.status, dict(response.headers), response.read().decode())
        except urllib.error.HTTPError as exc:
            return Answer(exc.code, dict(exc.headers), exc.read().decode(errors="replace"))

    def get(self, path: str, **kwargs: Any) -> Answer:
        return self.request("GET", path, **kwargs)

    def post_form(self, path: str, data: dict[str, str], **kwargs: Any) -> Answer:
        match = _META.search(self.get("/", **kwargs).text) or _META.search(
            self.get("/login", **kwargs).text
        )
        assert match, "no CSRF token on the start page nor on the sign-in page"
        fields = {"csrf_token": match.group(1), **data}
        return self.request(
            "POST",
            path,
            body=urllib.parse.urlencode(fields).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            **kwargs,
        )

    def sign_in(self, email: str, password: str, **kwargs: Any) -> Answer:
        return self.post_form("/login", {"email": email, "password": password}, **kwargs)

    def api(self, method: str, path: str, token: str, payload: Any = None, **kwargs: Any) -> Answer:
        headers = {"Authorization": f"Bearer {token}"}
        body = None
        if payload is not None:
            body = json.dumps(payload).encode()
            headers["Content-Type"] = "application/json"
        return self.request(method, f"/api/v1{path}", body=body, headers=headers, **kwargs)
