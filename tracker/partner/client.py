"""Signed requests to the TikTok Shop Partner API, and its answers read into values or errors.

Every call to the open API carries ``app_key``, ``timestamp`` (Unix seconds; the platform
refuses one more than 5 minutes old) and ``sign`` in the query, the shop's ``shop_cipher``
where the endpoint is about one shop, and the access token in the ``x-tts-access-token``
header. Answers are ``{"code", "message", "data", "request_id"}``; ``code`` 0 is success.
The token endpoints live on the auth host and take the app secret instead of a signature.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode

import requests

from tracker.config import PartnerConfig
from tracker.partner.settings import Endpoints
from tracker.partner.signing import signature

# HTTP 429 or this code: too many requests (docs: common errors, 36009002).
RATE_LIMITED_CODE = 36009002
# The access token is missing, wrong or expired (docs: common errors, the 105xxx family
# and 36004004); 105005 is a missing permission, not a bad token.
ACCESS_CODES = frozenset({105000, 105001, 105002, 105003, 105004, 36004004})
TIMEOUT_SECONDS = 30
MESSAGE_CHARS = 300


class PartnerError(Exception):
    """The platform answered with an error, or could not be reached; the message says which."""

    def __init__(self, message: str, *, code: int | None = None, status: int | None = None):
        super().__init__(message)
        self.code, self.status = code, status


class Unreachable(PartnerError):
    """No answer (network, timeout) or one that is not the API's JSON."""


class RateLimited(PartnerError):
    """Too many requests: wait ``retry_after`` seconds (when the platform said) and try again."""

    def __init__(self, message: str, *, retry_after: float | None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class AccessRefused(PartnerError):
    """The access token was refused (expired or withdrawn): refresh it, then try again."""


class TokenRefused(PartnerError):
    """The platform would not give tokens for this code or refresh token."""


@dataclass(frozen=True)
class Tokens:
    """A token answer: access and refresh tokens, and when each expires."""

    access_token: str
    access_expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime | None
    seller_name: str = ""


class PartnerClient:
    """Talk to one Partner API app (its key and secret) over one HTTP session."""

    def __init__(
        self,
        config: PartnerConfig,
        endpoints: Endpoints,
        *,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config, self.endpoints = config, endpoints
        self.session = session or requests.Session()
        self.clock = clock

    # --- authorisation --------------------------------------------------------------------

    def authorize_url(self, state: str) -> str:
        """Where a manager authorises the app for their shop; the platform comes back with state."""
        query = {"app_key": self.config.app_key, "state": state}
        if self.config.service_id:
            query["service_id"] = self.config.service_id
        return f"{self.config.auth_url}{self.endpoints.authorize}?{urlencode(query)}"

    def get_token(self, auth_code: str) -> Tokens:
        """Exchange the code the platform sent back for the shop's tokens."""
        return self._token(
            self.endpoints.token_get, {"auth_code": auth_code, "grant_type": "authorized_code"}
        )

    def refresh_token(self, refresh_token: str) -> Tokens:
        """New tokens for a refresh token; TokenRefused when the platform will not."""
        return self._token(
            self.endpoints.token_refresh,
            {"refresh_token": refresh_token, "grant_type": "refresh_token"},
        )

    def _token(self, path: str, query: Mapping[str, str]) -> Tokens:
        full = {"app_key": self.config.app_key, "app_secret": self.config.app_secret, **query}
        try:
            response = self.session.get(
                self.config.auth_url + path, params=full, timeout=TIMEOUT_SECONDS
            )
        except requests.RequestException as error:
            # Not the error's own words: they hold the URL, and with it the app secret.
            raise Unreachable(
                f"{path}: TikTok Shop's auth host did not answer ({type(error).__name__})"
            ) from None
        data = self._data(response, path, refused=TokenRefused)
        try:
            return Tokens(
                access_token=str(data["access_token"]),
                access_expires_at=_instant(data["access_token_expire_in"]),
                refresh_token=str(data["refresh_token"]),
                refresh_expires_at=(
                    _instant(data["refresh_token_expire_in"])
                    if data.get("refresh_token_expire_in")
                    else None
                ),
                seller_name=str(data.get("seller_name") or ""),
            )
        except (KeyError, TypeError, ValueError):
            raise Unreachable(f"{path}: the answer lacks its tokens or their expiry") from None

    # --- the shop's data ------------------------------------------------------------------

    def authorized_shops(self, access_token: str) -> list[dict[str, Any]]:
        """The shops the seller authorised the app for: id, name, region, cipher."""
        data = self.call("GET", self.endpoints.authorized_shops, access_token)
        return list(data.get("shops") or [])

    def search_orders(
        self,
        access_token: str,
        shop_cipher: str,
        *,
        update_time_ge: int,
        update_time_lt: int,
        page_size: int,
        page_token: str | None,
    ) -> dict[str, Any]:
        """One page of the shop's orders updated in [ge, lt), oldest update first."""
        query = {"page_size": str(page_size), "sort_field": "update_time", "sort_order": "ASC"}
        if page_token:
            query["page_token"] = page_token
        return self.call(
            "POST",
            self.endpoints.orders_search,
            access_token,
            shop_cipher=shop_cipher,
            query=query,
            body={"update_time_ge": update_time_ge, "update_time_lt": update_time_lt},
        )

    def search_products(
        self, access_token: str, shop_cipher: str, *, page_size: int, page_token: str | None
    ) -> dict[str, Any]:
        """One page of the shop's products (each with its SKUs)."""
        query = {"page_size": str(page_size)}
        if page_token:
            query["page_token"] = page_token
        return self.call(
            "POST",
            self.endpoints.products_search,
            access_token,
            shop_cipher=shop_cipher,
            query=query,
            body={},
        )

    def shop_performance(
        self, access_token: str, shop_cipher: str, *, start_date_ge: str, end_date_lt: str
    ) -> dict[str, Any]:
        """The shop's own figures (GMV, orders, units sold, buyers) over [start, end) days."""
        return self.call(
            "GET",
            self.endpoints.shop_performance,
            access_token,
            shop_cipher=shop_cipher,
            query={
                "start_date_ge": start_date_ge,
                "end_date_lt": end_date_lt,
                "granularity": "ALL",
                "currency": "LOCAL",
            },
        )

    def call(
        self,
        method: str,
        path: str,
        access_token: str,
        *,
        shop_cipher: str | None = None,
        query: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A signed request to the open API; its ``data``, or the error it answered."""
        params = {
            **(query or {}),
            "app_key": self.config.app_key,
            "timestamp": str(int(self.clock())),
        }
        if shop_cipher is not None:
            params["shop_cipher"] = shop_cipher
        raw = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
        params["sign"] = signature(path, params, raw, self.config.app_secret)
        try:
            response = self.session.request(
                method,
                self.config.api_url + path,
                params=params,
                data=raw if body is not None else None,
                headers={"x-tts-access-token": access_token, "content-type": "application/json"},
                timeout=TIMEOUT_SECONDS,
            )
        except requests.RequestException as error:
            raise Unreachable(
                f"{path}: TikTok Shop did not answer ({type(error).__name__})"
            ) from None
        return self._data(response, path, refused=AccessRefused)

    def _data(
        self, response: requests.Response, path: str, *, refused: type[PartnerError]
    ) -> dict[str, Any]:
        try:
            answer = response.json()
        except ValueError:
            answer = None
        code = answer.get("code") if isinstance(answer, dict) else None
        message = str(answer.get("message") or "") if isinstance(answer, dict) else ""
        said = f"{path}: HTTP {response.status_code}, code {code}: {message}"[:MESSAGE_CHARS]
        if response.status_code == 429 or code == RATE_LIMITED_CODE:
            raise RateLimited(
                said,
                retry_after=_retry_after(response.headers.get("Retry-After")),
                code=code,
                status=response.status_code,
            )
        if not isinstance(answer, dict) or not isinstance(code, int):
            raise Unreachable(said, status=response.status_code)
        if code == 0 and response.status_code < 400:
            data = answer.get("data")
            return data if isinstance(data, dict) else {}
        if response.status_code >= 500:
            raise Unreachable(said, code=code, status=response.status_code)
        if refused is TokenRefused or code in ACCESS_CODES:
            raise refused(said, code=code, status=response.status_code)
        raise PartnerError(said, code=code, status=response.status_code)


def _instant(seconds: Any) -> datetime:
    """A Unix time the platform gave (token expiries are instants, not durations)."""
    return datetime.fromtimestamp(int(seconds), UTC)


def _retry_after(raw: str | None) -> float | None:
    """Retry-After as seconds: a number, or an HTTP date."""
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())
