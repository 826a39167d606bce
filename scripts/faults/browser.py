"""A tiny browser: stdlib http.client with a cookie jar, enough to log in as the staff user, fill
in the portal's confirmation forms and read the flash messages a redirect leaves."""

from __future__ import annotations

import base64
import http.client
import json
import re
import threading
import zlib
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from urllib.parse import urlencode, urlsplit

from faults.common import DEMO_PASSWORD, HOST, STAFF_USER

LEVEL_SUCCESS, LEVEL_ERROR = 25, 40  # django.contrib.messages levels
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Trouble(Exception):
    """A request that got no usable answer (connection error, 5xx, unexpected page)."""

    def __init__(self, what: str, *, posted: bool = False):
        super().__init__(what)
        self.what = what
        self.posted = posted


class LoggedOut(Exception):
    pass


@dataclass
class Reply:
    status: int
    location: str
    body: str

    @property
    def redirect_path(self) -> str:
        return urlsplit(self.location).path if self.location else ""


class Browser:
    def __init__(self, port: int, timeout: float = 30.0) -> None:
        self.port = port
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.lock = threading.Lock()

    def copy(self) -> Browser:
        other = Browser(self.port, self.timeout)
        other.cookies = dict(self.cookies)
        return other

    def request(self, method: str, path: str, form: dict | None = None,
                timeout: float | None = None) -> Reply:
        headers = {"Host": f"{HOST}:{self.port}", "Accept-Language": "en"}
        with self.lock:
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection(HOST, self.port, timeout=timeout or self.timeout)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            for header in response.headers.get_all("Set-Cookie") or []:
                self._store(header)
            return Reply(response.status, response.getheader("Location") or "", text)
        finally:
            conn.close()

    def _store(self, header: str) -> None:
        jar = SimpleCookie()
        try:
            jar.load(header)
        except CookieError:
            return
        with self.lock:
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.coded_value

    def flash_levels(self) -> list[int]:
        """The levels of the flash messages the last redirect left in the `messages` cookie
        (signed, not encrypted: readable without the key). Consumed here."""
        with self.lock:
            raw = self.cookies.pop("messages", "")
        if not raw:
            return []
        try:
            payload = raw.strip('"').split(":", 1)[0]  # value:timestamp:signature
            compressed = payload.startswith(".")
            payload = payload.lstrip(".")
            data = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
            if compressed:
                data = zlib.decompress(data)
            return [item[2] for item in json.loads(data) if isinstance(item, list)]
        except (ValueError, zlib.error, IndexError, TypeError):
            return []

    def get_form_token(self, path: str) -> str:
        try:
            reply = self.request("GET", path)
        except (OSError, http.client.HTTPException) as error:
            raise Trouble(f"GET {type(error).__name__}") from error
        if reply.status == 302 and reply.redirect_path.startswith("/accounts/login/"):
            raise LoggedOut
        if reply.status != 200:
            raise Trouble(f"GET {reply.status}")
        match = CSRF_RE.search(reply.body)
        if not match:
            raise Trouble("GET without a CSRF token")
        return match.group(1)

    def post(self, path: str, form: dict) -> Reply:
        try:
            reply = self.request("POST", path, form)
        except (OSError, http.client.HTTPException) as error:
            raise Trouble(f"POST {type(error).__name__}", posted=True) from error
        if reply.status == 302 and reply.redirect_path.startswith("/accounts/login/"):
            raise LoggedOut
        return reply

    def login(self) -> None:
        token = self.get_form_token("/accounts/login/")
        reply = self.post("/accounts/login/", {
            "csrfmiddlewaretoken": token, "username": STAFF_USER, "password": DEMO_PASSWORD})
        if reply.status != 302:
            raise Trouble(f"login POST {reply.status}")
