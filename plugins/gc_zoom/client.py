"""Zoom's REST API for recording control, with Server-to-Server OAuth.

Token: ``POST {oauth_url}`` with ``Authorization: Basic base64(client_id:client_secret)``
and the form ``grant_type=account_credentials&account_id=...``; Zoom answers
``{"access_token", "token_type": "bearer", "expires_in": 3600, ...}`` and gives no
refresh token. The token is cached for the whole process (one Zoom app serves every
agent) and replaced ``refresh_margin`` seconds before it expires; a 401 from the API
(a token revoked or expired early) gets one new token and one retry, so an expired
token never fails a command.

Recording (reference section 11):

- meeting: ``PATCH {api_url}/live_meetings/{id}/events`` ``{"method": "recording.pause"}``
  (or ``recording.resume``);
- Contact Center engagement: ``PUT {api_url}/contact_center/engagements/{id}/recording/pause``
  (or ``resume``), no body, 204.

Failures are :class:`GCError` with origin ``Zoom``: an HTTP error answer is
GENERAL_ERROR (PLEASE_RETRY for 429 Too Many Requests) with ``httpStatus`` and Zoom's
own code and message in the description; no answer within ``timeout`` or no
connection is NOT_REACHABLE. The client secret and the tokens never appear in an
error, a log line or a repr.
"""
from __future__ import annotations

import logging
import time
from typing import Optional
from urllib.parse import quote, urlsplit

import gevent.lock
import requests

from gc_core.errors import ORIGIN_ZOOM, GCError

log = logging.getLogger("gc.zoom")

KIND_MEETING, KIND_ENGAGEMENT = "meeting", "engagement"
KINDS = (KIND_ENGAGEMENT, KIND_MEETING)


class ZoomClient:
    def __init__(self, *, account_id: str, client_id: str, client_secret: str,
                 oauth_url: str = "https://zoom.us/oauth/token", api_url: str = "https://api.zoom.us/v2",
                 timeout: float = 10.0, refresh_margin: float = 120.0, verify_tls: bool = True):
        self.account_id = account_id
        self.client_id = client_id
        self.__secret = client_secret
        self.oauth_url = oauth_url
        self.api_url = api_url.rstrip("/")
        self.timeout = timeout
        self.refresh_margin = refresh_margin
        self.http = requests.Session()
        self.http.verify = verify_tls
        self._token: Optional[str] = None
        self._expires_at = 0.0
        self._lock = gevent.lock.Semaphore()
        self.tokens_fetched = 0

    def __repr__(self) -> str:
        return f"<ZoomClient account={self.account_id!r} client={self.client_id!r} api={self.api_url!r}>"

    @classmethod
    def from_config(cls, conf: dict) -> "ZoomClient":
        return cls(account_id=conf["account_id"], client_id=conf["client_id"], client_secret=conf["client_secret"],
                   oauth_url=conf["oauth_url"], api_url=conf["api_url"], timeout=conf["timeout"],
                   refresh_margin=conf["token_refresh_margin"], verify_tls=conf["verify_tls"])

    @property
    def configured(self) -> bool:
        return bool(self.account_id and self.client_id and self.__secret)

    def close(self) -> None:
        self.http.close()

    # -- OAuth ------------------------------------------------------------------------
    def token(self, stale: Optional[str] = None) -> str:
        """A valid access token: the cached one unless it is within ``refresh_margin``
        of expiry (or is ``stale``, one the API just refused), else a new one."""
        with self._lock:
            if self._token and self._token != stale and time.monotonic() < self._expires_at - self.refresh_margin:
                return self._token
            self._token = None
            resp = self._send("POST", self.oauth_url, "the OAuth token request",
                              auth=(self.client_id, self.__secret),
                              data={"grant_type": "account_credentials", "account_id": self.account_id})
            if resp.status_code != 200:
                raise self._error(resp, "the OAuth token request")
            try:
                body = resp.json()
                token = str(body["access_token"])
                expires_in = float(body.get("expires_in", 3600))
            except (ValueError, KeyError, TypeError):
                raise GCError("GENERAL_ERROR", "Zoom's OAuth answer holds no access_token",
                              origin=ORIGIN_ZOOM, httpStatus=resp.status_code) from None
            self._token, self._expires_at = token, time.monotonic() + expires_in
            self.tokens_fetched += 1
            log.info("zoom: new access token for account %s, valid %d s", self.account_id, int(expires_in))
            return token

    # -- API --------------------------------------------------------------------------
    def api(self, method: str, path: str, what: str, json_body: Optional[dict] = None) -> requests.Response:
        token = self.token()
        resp = self._send(method, self.api_url + path, what, json=json_body,
                          headers={"Authorization": f"Bearer {token}"})
        if resp.status_code == 401:
            log.info("zoom: access token refused (%s): getting a new one", _zoom_message(resp))
            token = self.token(stale=token)
            resp = self._send(method, self.api_url + path, what, json=json_body,
                              headers={"Authorization": f"Bearer {token}"})
        if resp.status_code >= 400:
            raise self._error(resp, what)
        return resp

    def set_recording(self, kind: str, target_id: str, paused: bool) -> None:
        verb = "pause" if paused else "resume"
        if kind == KIND_MEETING:
            self.api("PATCH", f"/live_meetings/{quote(target_id, safe='')}/events",
                     f"recording.{verb} of meeting {target_id}", {"method": f"recording.{verb}"})
        else:
            self.api("PUT", f"/contact_center/engagements/{quote(target_id, safe='')}/recording/{verb}",
                     f"recording {verb} of engagement {target_id}")

    # -- plumbing -------------------------------------------------------------------
    def _send(self, method: str, url: str, what: str, **kw) -> requests.Response:
        host = urlsplit(url).netloc
        try:
            resp = self.http.request(method, url, timeout=(self.timeout, self.timeout), **kw)
        except requests.Timeout:
            raise GCError("NOT_REACHABLE", f"Zoom ({host}) did not answer {what} within {self.timeout:g} s",
                          origin=ORIGIN_ZOOM) from None
        except requests.RequestException as exc:
            raise GCError("NOT_REACHABLE", f"cannot reach Zoom ({host}) for {what}: {type(exc).__name__}",
                          origin=ORIGIN_ZOOM) from None
        log.debug("zoom: %s %s -> %d", method, urlsplit(url).path, resp.status_code)
        return resp

    @staticmethod
    def _error(resp: requests.Response, what: str) -> GCError:
        status = resp.status_code
        message = _zoom_message(resp)
        code = "PLEASE_RETRY" if status == 429 else "GENERAL_ERROR"
        return GCError(code, f"Zoom answered {status} to {what}: {message}", origin=ORIGIN_ZOOM, httpStatus=status)


def _zoom_message(resp: requests.Response) -> str:
    """Zoom's own words: API errors are ``{"code", "message"}``, OAuth errors
    ``{"reason", "error"}``; anything else by its status line."""
    try:
        body = resp.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        if "message" in body:
            code = f" (code {body['code']})" if "code" in body else ""
            return f"{str(body['message'])[:200]}{code}"
        if "reason" in body or "error" in body:
            return f"{str(body.get('reason', ''))[:200]} ({body.get('error', '')})".strip()
    return resp.reason or f"HTTP {resp.status_code}"
