"""A local stand-in for the TikTok Shop Partner API, built from its published documentation.

A small WSGI app served from a thread on 127.0.0.1. It checks every open-API request's
signature exactly as the "sign your API request" page says (written out here again,
independently of tracker's own signer), the timestamp (at most 5 minutes old), the
access token (``x-tts-access-token``, expiring) and the shop cipher; it answers the
202309 endpoints tracker uses with the platform's envelope ``{code, message, data,
request_id}``, pages orders with an opaque ``page_token``, rotates tokens on refresh,
and on request rate-limits (HTTP 429, code 36009002, Retry-After), fails (HTTP 500),
holds a page until the test lets it go, or withdraws the authorisation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

APP_KEY = "fake-app-key"
APP_SECRET = "fake-app-secret-0123456789abcdef"
ACCESS_SECONDS = 7 * 24 * 3600
REFRESH_SECONDS = 365 * 24 * 3600


def documented_sign(path: str, query: dict[str, str], body: bytes, secret: str) -> str:
    """The signature as the documentation's steps build it, for the fake to check against."""
    # Step 1: all query parameters but sign and access_token, in alphabetical order.
    names = sorted(name for name in query if name not in ("sign", "access_token"))
    # Step 2: {key}{value} each, concatenated.
    joined = "".join(name + query[name] for name in names)
    # Step 3: the request path in front; step 4: the body (not multipart) at the end.
    text = path + joined + body.decode("utf-8")
    # Step 5: wrapped in the app secret; step 6: HMAC-SHA256 keyed with the secret, hex.
    text = secret + text + secret
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()


@dataclass
class Shop:
    id: str
    name: str
    region: str
    cipher: str
    orders: list[dict[str, Any]] = field(default_factory=list)
    products: list[dict[str, Any]] = field(default_factory=list)
    revoked: bool = False


@dataclass
class Seen:
    """One request the fake answered: what it was and what it said."""

    method: str
    path: str
    query: dict[str, str]
    body: dict[str, Any] | None
    code: int
    status: int


class FakePartnerApi:
    """The fake platform's state; ``wsgi`` is its WSGI app."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock  # the fake's clock, Unix seconds (the test's clock)
        self.shops: dict[str, Shop] = {}
        self.codes: dict[str, str] = {}  # auth code -> shop id
        self.access: dict[str, tuple[str, float]] = {}  # token -> (shop id, expires)
        self.refresh: dict[str, tuple[str, float]] = {}
        self.seen: list[Seen] = []
        self.rate_limit_next = 0  # answer this many open-API calls with 429
        self.retry_after: str | None = None  # the Retry-After header those 429s carry
        self.fail_next = 0  # answer this many open-API calls with a 500
        self.fail_always_for: set[str] = set()  # shop ids whose calls always fail
        self.no_analytics_scope = False  # the app may not read shop performance
        self.hold_page: int | None = None  # orders page (1-based) to hold until released
        self.holding = threading.Event()  # set when the held page's request came in
        self.release = threading.Event()
        self.lock = threading.Lock()

    @property
    def now(self) -> float:
        return self.clock()

    # --- set-up ------------------------------------------------------------------------

    def add_shop(self, shop_id: str = "7000001", region: str = "US", name: str = "Sunny") -> Shop:
        shop = Shop(shop_id, name, region, f"ROW_cipher_{shop_id}")
        self.shops[shop_id] = shop
        return shop

    def auth_code(self, shop_id: str) -> str:
        code = "code-" + secrets.token_hex(8)
        self.codes[code] = shop_id
        return code

    def expire_access_tokens(self) -> None:
        """Let every access token lapse now, before its stated expiry (the platform may)."""
        for token, (shop_id, _) in list(self.access.items()):
            self.access[token] = (shop_id, self.now - 1)

    # --- the WSGI app ---------------------------------------------------------------------

    def wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        with self.lock:
            response, code, page = self._answer(request)
        body = request.get_data()
        self.seen.append(
            Seen(
                request.method,
                request.path,
                dict(request.args.items()),
                json.loads(body) if body else None,
                code,
                response.status_code,
            )
        )
        if page is not None and page == self.hold_page:
            self.holding.set()
            self.release.wait(timeout=60)
        return response(environ, start_response)

    def _answer(self, request: Request) -> tuple[Response, int, int | None]:
        path = request.path
        query = dict(request.args.items())
        if path == "/api/v2/token/get":
            return self._token_get(query), 0, None
        if path == "/api/v2/token/refresh":
            return self._token_refresh(query), 0, None
        refused = self._check(request, query)
        if refused is not None:
            return refused
        if self.rate_limit_next:
            self.rate_limit_next -= 1
            headers = {"Retry-After": self.retry_after} if self.retry_after else {}
            return _error(36009002, "Too many requests", 429, headers), 36009002, None
        if self.fail_next:
            self.fail_next -= 1
            return _error(36009003, "Internal error", 500), 36009003, None
        shop_id = self.access[request.headers["x-tts-access-token"]][0]
        if shop_id in self.fail_always_for:
            return _error(36009003, "Internal error", 500), 36009003, None
        if path == "/authorization/202309/shops" and request.method == "GET":
            shop = self.shops[shop_id]
            data = {
                "shops": [
                    {
                        "id": shop.id,
                        "name": shop.name,
                        "region": shop.region,
                        "cipher": shop.cipher,
                        "code": "US" + shop.id,
                    }
                ]
            }
            return _ok(data), 0, None
        shop = self.shops[shop_id]
        if query.get("shop_cipher") != shop.cipher:
            return (
                _error(36009004, "Invalid identifier. The `shop_cipher` is invalid.", 400),
                36009004,
                None,
            )
        if path == "/order/202309/orders/search" and request.method == "POST":
            return self._orders(shop, query, request.get_data())
        if path == "/analytics/202405/shop/performance" and request.method == "GET":
            if self.no_analytics_scope:
                return _error(105005, "No permission for this API", 403), 105005, None
            return _ok(self._performance(shop, query)), 0, None
        if path == "/product/202309/products/search" and request.method == "POST":
            return (
                _ok(
                    {
                        "products": shop.products,
                        "next_page_token": "",
                        "total_count": len(shop.products),
                    }
                ),
                0,
                None,
            )
        return _error(36009009, "Not found", 404), 36009009, None

    def _check(
        self, request: Request, query: dict[str, str]
    ) -> tuple[Response, int, int | None] | None:
        """Refuse a request whose key, signature, timestamp or token is wrong."""
        if query.get("app_key") != APP_KEY:
            return _error(36009004, "Invalid credentials. Invalid `app_key`.", 401), 36009004, None
        if "sign" not in query:
            message = "Missing credentials. The request does not include a required signature."
            return _error(36009004, message, 401), 36009004, None
        multipart = "multipart/form-data" in (request.content_type or "")
        body = b"" if multipart else request.get_data()
        expected = documented_sign(request.path, query, body, APP_SECRET)
        if not hmac.compare_digest(expected, query["sign"]):
            return _error(106001, "Invalid signature", 401), 106001, None
        try:
            stamp = int(query.get("timestamp", ""))
        except ValueError:
            stamp = -1
        if stamp < 0 or abs(self.now - stamp) > 300:
            return _error(36009004, "Invalid timestamp.", 401), 36009004, None
        token = request.headers.get("x-tts-access-token", "")
        known = self.access.get(token)
        if known is None:
            return _error(105001, "Invalid access token", 401), 105001, None
        if known[1] <= self.now:
            return _error(105002, "Access token is expired", 401), 105002, None
        if self.shops[known[0]].revoked:
            return _error(105001, "Invalid access token", 401), 105001, None
        if request.path.startswith("/authorization/") and "shop_cipher" in query:
            message = "Unexpected identifier. The `shop_cipher` query parameter is not required."
            return _error(36009004, message, 400), 36009004, None
        return None

    def _issue(self, shop_id: str) -> dict[str, Any]:
        access, refresh = "acc-" + secrets.token_hex(12), "ref-" + secrets.token_hex(12)
        self.access[access] = (shop_id, self.now + ACCESS_SECONDS)
        self.refresh[refresh] = (shop_id, self.now + REFRESH_SECONDS)
        return {
            "access_token": access,
            "access_token_expire_in": int(self.now + ACCESS_SECONDS),
            "refresh_token": refresh,
            "refresh_token_expire_in": int(self.now + REFRESH_SECONDS),
            "open_id": "open-" + shop_id,
            "seller_name": self.shops[shop_id].name,
            "seller_base_region": self.shops[shop_id].region,
            "user_type": 0,
        }

    def _token_get(self, query: dict[str, str]) -> Response:
        if query.get("app_key") != APP_KEY or query.get("app_secret") != APP_SECRET:
            return _error(36004004, "Invalid app credentials", 200)
        shop_id = self.codes.pop(query.get("auth_code", ""), None)
        if shop_id is None or query.get("grant_type") != "authorized_code":
            return _error(36004004, "The auth code is invalid or used", 200)
        return _ok(self._issue(shop_id))

    def _token_refresh(self, query: dict[str, str]) -> Response:
        if query.get("app_key") != APP_KEY or query.get("app_secret") != APP_SECRET:
            return _error(36004004, "Invalid app credentials", 200)
        known = self.refresh.pop(query.get("refresh_token", ""), None)
        if known is None or known[1] <= self.now or self.shops[known[0]].revoked:
            return _error(105002, "The refresh token is invalid or expired", 200)
        return _ok(self._issue(known[0]))

    def _orders(
        self, shop: Shop, query: dict[str, str], raw: bytes
    ) -> tuple[Response, int, int | None]:
        body = json.loads(raw or b"{}")
        low, high = int(body.get("update_time_ge", 0)), int(body.get("update_time_lt", 2**62))
        size = int(query.get("page_size", "20"))
        if not 1 <= size <= 100:
            return _error(36009004, "page_size must be 1-100", 400), 36009004, None
        offset = 0
        if query.get("page_token"):
            try:
                token = json.loads(base64.urlsafe_b64decode(query["page_token"]))
            except ValueError:
                token = None
            if not token or token["window"] != [low, high]:
                return _error(36009004, "Invalid page_token", 400), 36009004, None
            offset = token["offset"]
        chosen = sorted(
            (o for o in shop.orders if low <= o["update_time"] < high),
            key=lambda o: (o["update_time"], o["id"]),
        )
        page = chosen[offset : offset + size]
        following = offset + size
        next_token = ""
        if following < len(chosen):
            raw_token = json.dumps({"offset": following, "window": [low, high]}).encode()
            next_token = base64.urlsafe_b64encode(raw_token).decode()
        data = {"orders": page, "next_page_token": next_token, "total_count": len(chosen)}
        return _ok(data), 0, offset // size + 1

    def _performance(self, shop: Shop, query: dict[str, str]) -> dict[str, Any]:
        """GMV (10.00 a unit), orders, units and buyers of orders created in [ge, lt) (UTC days)."""
        low, high = query["start_date_ge"], query["end_date_lt"]
        chosen = [
            o
            for o in shop.orders
            if low <= datetime.fromtimestamp(o["create_time"], UTC).date().isoformat() < high
        ]
        units = sum(len(o["line_items"]) for o in chosen)
        interval = {
            "start_date": low,
            "end_date": high,
            "gmv": {"amount": f"{units * 10:.2f}", "currency": "USD"},
            "orders": len(chosen),
            "units_sold": units,
            "buyers": len(chosen),
        }
        return {"performance": {"intervals": [interval]}}

    # --- serving ----------------------------------------------------------------------------

    @contextmanager
    def serving(self) -> Iterator[str]:
        """Serve on a free port of 127.0.0.1 from a thread; yield the base URL."""
        server = make_server("127.0.0.1", 0, self.wsgi, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_port}"
        finally:
            self.release.set()
            server.shutdown()
            thread.join(timeout=10)
            server.server_close()

    def calls(self, path: str) -> list[Seen]:
        return [seen for seen in self.seen if seen.path == path]


def _envelope(code: int, message: str, data: Any) -> str:
    return json.dumps(
        {"code": code, "message": message, "data": data, "request_id": secrets.token_hex(8)}
    )


def _ok(data: Any) -> Response:
    return Response(_envelope(0, "Success", data), 200, content_type="application/json")


def _error(code: int, message: str, status: int, headers: dict[str, str] | None = None) -> Any:
    return Response(
        _envelope(code, message, None), status, headers=headers, content_type="application/json"
    )


def order(
    order_id: str,
    *,
    created: int,
    updated: int | None = None,
    items: list[tuple[str, str]] = (),  # type: ignore[assignment]
    status: str = "COMPLETED",
    paid: int | None = None,
    rts: int | None = None,
    rts_sla: int | None = None,
    cancelled_by: str | None = None,
) -> dict[str, Any]:
    """An order as orders search (202309) answers it: one line item per unit."""
    return {
        "id": order_id,
        "status": status,
        "create_time": created,
        "update_time": updated if updated is not None else created,
        "paid_time": paid,
        "rts_time": rts,
        "rts_sla_time": rts_sla,
        "cancellation_initiator": cancelled_by,
        "line_items": [
            {
                "id": f"{order_id}-{n}",
                "sku_id": sku_id,
                "seller_sku": seller_sku,
                "display_status": status,
                "rts_time": rts,
            }
            for n, (sku_id, seller_sku) in enumerate(items)
        ],
    }
