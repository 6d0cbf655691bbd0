"""What every channel shares: the message, the target, the error, and masking credentials."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote_plus, urlsplit, urlunsplit

from tracker.playbook.phrases import Name, phrase
from tracker.reminders.channels.guard import host_problem

CHANNEL_KINDS = ("email", "webhook", "slack", "feishu", "wecom", "dingtalk")
HTTP_KINDS = frozenset(CHANNEL_KINDS) - {"email"}

# Query parameters that carry a credential in a hook URL (WeCom `key`, DingTalk `access_token`,
# and the usual names generic services use).
SECRET_QUERY_KEYS = frozenset(
    {
        "key",
        "access_token",
        "token",
        "secret",
        "sign",
        "signature",
        "sig",
        "api_key",
        "apikey",
        "password",
        "auth",
    }
)
# Kinds whose hook URL ends in the credential itself
# (hooks.slack.com/services/T…/B…/<secret>, open.feishu.cn/open-apis/bot/v2/hook/<secret>).
SECRET_PATH_KINDS = frozenset({"slack", "feishu"})


@dataclass(frozen=True)
class Message:
    """One reminder, as every channel renders it."""

    id: str  # the reminder's idempotency key, stable for that one reminder
    kind: str  # "due_soon", "overdue", "digest", "stock_up", "gate_open", …
    user: str  # recipient e-mail
    store: dict | None  # {"id", "name"}, or None for a digest across stores
    tasks: list[dict]  # [{"id", "title", "due_on", "store", …}]
    subject: str
    text: str  # plain-text body, several lines
    # The absolute address of what the message is about (a task, or My tasks for a digest),
    # the words on the button or link to it, the reader's language (a locale such as
    # zh_Hans_CN) and where to stop these messages: all in the recipient's language already.
    url: str | None = None
    action: str | None = None
    language: str | None = None
    unsubscribe: str | None = None


@dataclass(frozen=True, repr=False)
class Target:
    """Where a message goes: a channel kind, its address or URL, and an optional secret."""

    kind: str
    address: str
    secret: str | None = None

    def __repr__(self) -> str:
        return f"Target({describe_target(self)})"


class DeliveryError(Exception):
    """A message was not delivered; `retryable` says whether trying again later may help."""

    def __init__(
        self,
        detail: str,
        *,
        retryable: bool,
        retry_after: float | None = None,
        status: int | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code  # "target_not_allowed" when the address itself was refused
        self.retryable = retryable
        self.retry_after = retry_after
        self.status = status  # the HTTP status or SMTP reply code, when there was one

    def __str__(self) -> str:
        return self.detail


def markdown_escape(text: str) -> str:
    """Show text as it is in WeCom and DingTalk markdown: its markup characters escaped."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"([\\`*_\[\]()#~|])", r"\\\1", text)


def markdown_body(message: Message) -> str:
    """The message as markdown: the subject in bold, the text, then the link to act on it."""
    lines = [f"**{markdown_escape(message.subject)}**", ""]
    lines += [markdown_escape(line) for line in message.text.splitlines()]
    if message.url:
        lines += ["", f"[{markdown_escape(message.action or message.url)}]({message.url})"]
    return "\n".join(lines)


def mask_secret(value: str) -> str:
    """Show the first and last four characters of a long secret; hide a short one entirely."""
    if len(value) < 16:
        return "****"
    return f"{value[:4]}…{value[-4:]}"


def describe_target(target: Target) -> str:
    """Name a target for logs and pages, with every credential in it masked."""
    kind = Name("channel", target.kind, target.kind)
    if target.kind not in HTTP_KINDS:
        return phrase("%(kind)s %(address)s", kind=kind, address=target.address)
    address = mask_url(target.kind, target.address)
    if target.secret:
        return phrase("%(kind)s %(address)s (signed)", kind=kind, address=address)
    return phrase("%(kind)s %(address)s", kind=kind, address=address)


def check_target(target: Target, *, allow_private: bool = False) -> str | None:
    """Say what is wrong with a target before it is saved, or None when it can be used.

    Unless ``allow_private``, a URL whose host is (or resolves to) a loopback, private,
    link-local or other non-public address is refused (see ``guard``).
    """
    if target.kind not in CHANNEL_KINDS:
        return phrase(
            "unknown channel kind %(got)s; use one of %(known)s",
            got=repr(target.kind),
            known=", ".join(CHANNEL_KINDS),
        )
    if target.kind == "email":
        if not re.fullmatch(r"[^@\s]+@[^@\s]+", target.address):
            return phrase("an e-mail channel needs an address like name@example.com")
        return None
    try:
        parts = urlsplit(target.address)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        parts, port = None, 0
    if parts is None or parts.scheme not in {"http", "https"} or not parts.hostname:
        return phrase(
            "a %(kind)s channel needs an http(s) URL",
            kind=Name("channel", target.kind, target.kind),
        )
    if not allow_private:
        return host_problem(parts.hostname, port)
    return None


def url_secrets(target: Target) -> list[str]:
    """Every credential a target's URL or secret holds, raw and decoded."""
    secrets = [target.secret] if target.secret else []
    parts = urlsplit(target.address)
    if parts.password:
        secrets.append(parts.password)
    for pair in parts.query.split("&"):
        name, _, value = pair.partition("=")
        if unquote_plus(name).lower() in SECRET_QUERY_KEYS and value:
            secrets.extend({value, unquote_plus(value)})
    if target.kind in SECRET_PATH_KINDS:
        last = parts.path.rstrip("/").rpartition("/")[2]
        if last:
            secrets.append(last)
    return secrets


def mask_url(kind: str, url: str) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password is not None:
        userinfo, _, hostport = netloc.rpartition("@")
        user = userinfo.partition(":")[0]
        netloc = f"{user}:{mask_secret(parts.password)}@{hostport}"
    path = parts.path
    if kind in SECRET_PATH_KINDS:
        head, slash, last = path.rstrip("/").rpartition("/")
        if last:
            path = f"{head}{slash}{mask_secret(last)}"
    query_parts = []
    for pair in parts.query.split("&") if parts.query else []:
        name, equals, value = pair.partition("=")
        if unquote_plus(name).lower() in SECRET_QUERY_KEYS and value:
            pair = f"{name}{equals}{mask_secret(unquote_plus(value))}"
        query_parts.append(pair)
    return urlunsplit((parts.scheme, netloc, path, "&".join(query_parts), ""))
