"""POST a message to a chat robot or webhook, turning every failure into a DeliveryError."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Mapping
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import quote_plus, urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.utils import default_headers, select_proxy
from urllib3 import HTTPConnectionPool, Timeout
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    LocationValueError,
    NewConnectionError,
    ReadTimeoutError,
)

from tracker.reminders.channels.base import (
    SECRET_QUERY_KEYS,
    DeliveryError,
    Target,
    mask_secret,
    url_secrets,
)
from tracker.reminders.channels.deadline import DeadlineAdapter, SendDeadline
from tracker.reminders.channels.guard import (
    CODE,
    PUBLIC_CONNECTIONS,
    PublicOnlyAdapter,
    TargetNotAllowed,
)

# How long each service keeps refusing once its limit is hit: WeCom and Feishu count per minute;
# DingTalk throttles a robot for ten minutes after more than 20 messages in one minute.
RATE_LIMIT_PAUSE_SECONDS = {"feishu": 60.0, "wecom": 60.0, "dingtalk": 600.0}

RETRYABLE_HTTP_STATUSES = frozenset({408, 409, 425, 429})
BODY_EXCERPT_CHARS = 200
# A robot's error word or message is kept when this short (Feishu: "sign match fail or
# timestamp is not within one hour from current time" is 62); a longer answer is not kept.
SHORT_REASON_CHARS = 80
USER_AGENT = "tracker-reminders/1"


class HttpPost:
    """POST to one target's URL, turning transport failures into DeliveryError."""

    def __init__(
        self,
        target: Target,
        *,
        session: KeptAlive | None,
        timeout: float,
        now: Callable[[], float],
        deadline: SendDeadline | None = None,
        allow_private: bool = False,
    ) -> None:
        self.target = target
        self.timeout = timeout
        self.now = now
        self._own_session = session is None
        self.secrets = url_secrets(target)
        self.kept_alive = session
        if session is not None:  # a dispatcher's (see ``KeptAlive``), ready as it is
            self.session = session.session
            return
        self.session = requests.Session()
        adapter: requests.adapters.HTTPAdapter | None = None
        if not allow_private:
            # Connect only to checked public addresses, and never through a proxy from the
            # environment (which would connect on our behalf, unchecked).
            self.session.trust_env = False
            adapter = PublicOnlyAdapter(max_retries=0)
        if self._own_session and deadline is not None:
            # Cut the connection when the send's total time is up, however slowly it answers.
            if allow_private:
                adapter = DeadlineAdapter(deadline)
            else:
                adapter = DeadlineAdapter(deadline, connections=PUBLIC_CONNECTIONS, max_retries=0)
        if adapter is not None:
            self.session.mount("http://", adapter)
            self.session.mount("https://", adapter)

    def close(self) -> None:
        if self._own_session:
            self.session.close()

    def post(
        self,
        body: bytes,
        *,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> Answer:
        for name, value in (params or {}).items():
            if name.lower() in SECRET_QUERY_KEYS:
                self.secrets.extend([value, quote_plus(value)])
        all_headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT}
        all_headers.update(headers or {})
        host = urlsplit(self.target.address).netloc.rpartition("@")[2]
        try:
            if self.kept_alive is not None and not params:
                response = self.kept_alive.post(
                    self.target.address, body, all_headers, self.timeout
                )
            else:
                response = Answer.of(
                    self.session.post(
                        self.target.address,
                        data=body,
                        headers=all_headers,
                        params=params,
                        timeout=self.timeout,
                        # A redirected POST turns into a GET on the way; report it instead.
                        allow_redirects=False,
                    )
                )
        except TargetNotAllowed as refused:
            raise DeliveryError(
                f"{refused.host} resolves to a non-public address ({CODE}); "
                "set TRACKER_ALLOW_PRIVATE_TARGETS=1 to allow it",
                retryable=False,
                code=CODE,
            ) from None
        except (requests.Timeout, ReadTimeoutError, ConnectTimeoutError, TimeoutError) as exc:
            if isinstance(exc, NewConnectionError):  # urllib3 counts it as a timeout
                raise DeliveryError(
                    f"could not reach {host}: {os_reason(exc)}", retryable=True
                ) from None
            raise DeliveryError(
                f"no answer from {host} within {self.timeout:g} s", retryable=True
            ) from None  # the library's error quotes the full URL
        except (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema) as exc:
            raise DeliveryError(
                f"the URL cannot be used ({type(exc).__name__})", retryable=False
            ) from None
        except LocationValueError:
            raise DeliveryError("the URL cannot be used (InvalidURL)", retryable=False) from None
        except (requests.RequestException, HTTPError, OSError) as exc:
            raise DeliveryError(
                f"could not reach {host}: {os_reason(exc)}", retryable=True
            ) from None
        if 300 <= response.status_code < 400:
            raise DeliveryError(
                f"HTTP {response.status_code}: the service redirects; update the channel's URL",
                retryable=False,
                status=response.status_code,
            )
        return response

    def scrub(self, text: str) -> str:
        """Mask every credential of this target that a service's answer might echo."""
        for secret in sorted(set(self.secrets), key=len, reverse=True):
            if secret:
                text = text.replace(secret, mask_secret(secret))
        return text

    def reason(self, response: Answer) -> str:
        """The status code and its standard reason: never the body, which may be anything the
        other side chose to say (an inside service's data, say)."""
        try:
            reason = HTTPStatus(response.status_code).phrase
        except ValueError:
            reason = ""
        return f"HTTP {response.status_code}" + (f" {reason}" if reason else "")

    def status_error(
        self, response: Answer, service: str, *, error_word: bool = False
    ) -> DeliveryError:
        """Classify a non-2xx answer: 408/409/425/429 and 5xx are worth retrying, other 4xx not.

        ``error_word``: the service answers errors with one documented word (Slack's
        ``no_service``); keep it when it is that short. No other body is kept.
        """
        status = response.status_code
        detail = f"{service} answered {self.reason(response)}"
        word = self.short_text(response.text) if error_word else ""
        if word:
            detail += f": {word}"
        return DeliveryError(
            detail,
            retryable=status >= 500 or status in RETRYABLE_HTTP_STATUSES,
            retry_after=retry_after_seconds(response.headers.get("Retry-After"), self.now),
            status=status,
        )

    def json_answer(self, response: Answer, service: str) -> dict:
        """The JSON object a robot answers with; anything else is an error."""
        if not 200 <= response.status_code < 300:
            # Some robots answer errors as 4xx with their usual JSON body: keep its code.
            try:
                answer = response.json()
            except ValueError:
                answer = None
            if response.status_code < 500 and response.status_code != 429:
                code = first_int(answer, "code", "errcode") if isinstance(answer, dict) else None
                if code not in {None, 0}:
                    return answer
            raise self.status_error(response, service)
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise DeliveryError(
                f"{service} answered {self.reason(response)} without a JSON object",
                retryable=False,
                status=response.status_code,
            )
        return answer

    def answer_without_code(self, answer: Mapping[str, Any], service: str) -> DeliveryError:
        keys = ", ".join(sorted(str(key) for key in answer)[:5])[:BODY_EXCERPT_CHARS]
        return DeliveryError(
            f"{service} answered without a result code (keys: {keys})", retryable=False
        )

    def short_text(self, text: Any) -> str:
        """A robot's own error word (Slack's no_service, Feishu's msg): short, one line, scrubbed.

        Robots document these words; anything longer is not one and is left out.
        """
        word = " ".join(str(text or "").split())
        if len(word) > SHORT_REASON_CHARS:
            return ""
        return self.scrub(word)


def json_bytes(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, default=json_default).encode()


def json_default(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def first_int(answer: Mapping[str, Any], *keys: str) -> int | None:
    for key in keys:
        value = answer.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
            return int(value)
    return None


def retry_after_seconds(value: str | None, now: Callable[[], float]) -> float | None:
    """Seconds from a Retry-After header: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - now())


def os_reason(exc: BaseException) -> str:
    """The operating system's reason behind a requests error, without the URL it quotes."""
    match = re.search(r"\[Errno -?\d+\] ([^'\"\)\]]+)", str(exc))
    return match.group(1).strip() if match else type(exc).__name__


class Answer:
    """What a receiver answered: its status, headers and whole body."""

    def __init__(self, status_code: int, headers: Mapping[str, str], content: bytes) -> None:
        self.status_code, self.headers, self.content = status_code, headers, content

    @classmethod
    def of(cls, response: requests.Response) -> Answer:
        answer = cls(response.status_code, response.headers, response.content)
        answer._response = response  # its text as requests decodes it, when asked for
        return answer

    _response: requests.Response | None = None
    _text: str | None = None

    @property
    def text(self) -> str:
        if self._text is None:
            if self._response is not None:
                self._text = self._response.text
            else:
                charset = _charset(self.headers.get("Content-Type") or "")
                try:
                    self._text = self.content.decode(charset or "utf-8", errors="replace")
                except LookupError:
                    self._text = self.content.decode("utf-8", errors="replace")
        return self._text

    def json(self) -> Any:
        """The body as JSON (ValueError when it is not)."""
        return json.loads(self.content)


def _charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset" and value:
            return value.strip("'\"")
    return None


# What requests sends with every request (its User-Agent is replaced by ours).
_DEFAULT_HEADERS = dict(default_headers())


class _Route:
    """How to reach one URL, worked out once: its pool's key, the path, the TLS check."""

    def __init__(self, session: requests.Session, url: str) -> None:
        prepared = requests.PreparedRequest()
        prepared.prepare_url(url, None)
        self.prepared = prepared
        self.url = prepared.url or url
        self.path = prepared.path_url
        # The environment's proxies and CA bundle (when the session reads it), once a URL.
        settings = session.merge_environment_settings(self.url, {}, None, None, None)
        self.verify = settings["verify"]
        # Through a proxy the session goes its own way (requests knows how); else straight on.
        self.direct = not select_proxy(self.url, settings["proxies"])


class KeptAlive:
    """One HTTP client for all of a dispatcher's sends, on all its threads: connections kept
    alive between sends, each request cut by its own send's deadline.

    A send goes straight to the pool of requests' adapter (the same connection classes, so
    the same public-address guard and deadline watch; the same TLS checks): requests' own
    work per call (preparing the request, merging settings, reading the environment's proxy
    settings) cost more than the whole exchange with a local receiver. What requests works out
    per URL is worked out once a URL.
    """

    def __init__(self, *, allow_private: bool, connections_per_host: int) -> None:
        self.session = shared_session(
            allow_private=allow_private, connections_per_host=connections_per_host
        )
        adapter = self.session.get_adapter("http://")
        assert isinstance(adapter, HTTPAdapter)
        self.adapter = adapter
        self._routes: dict[str, _Route] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        self.session.close()

    def _route(self, url: str) -> _Route:
        route = self._routes.get(url)
        if route is None:
            route = _Route(self.session, url)
            with self._lock:
                if len(self._routes) > 10_000:  # a long run to very many URLs
                    self._routes.clear()
                self._routes[url] = route
        return route

    def post(self, url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> Answer:
        """POST ``body``; the whole answer, redirects not followed; transport errors raised."""
        route = self._route(url)
        if not route.direct:
            return Answer.of(
                self.session.post(
                    url, data=body, headers=headers, timeout=timeout, allow_redirects=False
                )
            )
        pool = self.adapter.get_connection_with_tls_context(route.prepared, route.verify)
        assert isinstance(pool, HTTPConnectionPool)
        self.adapter.cert_verify(pool, route.url, route.verify, None)
        response = pool.urlopen(
            "POST",
            route.path,
            body=body,
            headers={**_DEFAULT_HEADERS, **headers, "Content-Length": str(len(body))},
            redirect=False,
            assert_same_host=False,
            retries=False,
            timeout=Timeout(connect=timeout, read=timeout),
            preload_content=True,
            decode_content=True,
        )
        return Answer(response.status, response.headers, response.data)


def shared_session(*, allow_private: bool, connections_per_host: int) -> requests.Session:
    """One HTTP session for all of a dispatcher's sends, on all its threads: connections are
    kept alive between sends, and each request is cut by its own send's deadline.

    Unless ``allow_private``, it only ever connects to checked public addresses, and never
    through a proxy from the environment.
    """
    session = requests.Session()
    if allow_private:
        adapter = DeadlineAdapter(pool_maxsize=connections_per_host)
    else:
        session.trust_env = False
        adapter = DeadlineAdapter(
            connections=PUBLIC_CONNECTIONS, max_retries=0, pool_maxsize=connections_per_host
        )
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
