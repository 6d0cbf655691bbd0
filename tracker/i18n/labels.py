"""Names for the codes of the product's fixed vocabularies, and for form fields in messages.

Templates say ``{{ user.role|label('role') }}`` and ``{{ error.field|field_label }}``;
a code not listed here is shown as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from tracker.i18n.format import SAID
from tracker.i18n.locales import current_locale

LABELS = {
    "role": {"manager": _l("Manager"), "member": _l("Member")},
    "account_event": {
        "created": _l("account created"),
        "joined": _l("joined by invitation"),
        "password_changed": _l("password changed"),
        "role_changed": _l("role changed"),
        "store_added": _l("added to a store"),
        "store_removed": _l("taken off a store"),
        "deactivated": _l("deactivated"),
        "reactivated": _l("reactivated"),
        "token_revoked": _l("API token revoked"),
        "feed_revoked": _l("calendar feed revoked"),
    },
    "status": {
        "open": _l("open"),
        "done": _l("done"),
        "locked": _l("locked"),
        "retired": _l("retired"),
        "missed": _l("missed"),
    },
    "readiness": {"ready": _l("ready"), "at_risk": _l("at risk"), "not_ready": _l("not ready")},
    "state": {
        "pending": _l("pending"),
        "sending": _l("sending"),
        "sent": _l("sent"),
        "failed": _l("failed"),
        "dead": _l("dead"),
        "dismissed": _l("dismissed"),
    },
    "channel": {
        "email": _l("E-mail"),
        "webhook": _l("Webhook"),
        "slack": _l("Slack"),
        "feishu": _l("Feishu / Lark"),
        "wecom": _l("WeCom"),
        "dingtalk": _l("DingTalk"),
        "inbox": _l("inbox"),
    },
    "account": {"official": _l("official"), "channel": _l("channel")},
    # The scheduler's steps, as the outbox names what one of them cannot do.
    "stage": {
        "roll_forward": _l("rolling the plan forward"),
        "gates": _l("unlocking tasks"),
        "reminders": _l("queueing reminders"),
        "weekly_report": _l("the weekly report"),
        "delivery": _l("delivering reminders"),
        "prune": _l("pruning the outbox"),
    },
    "store_type": {"local": _l("local"), "cross_border": _l("cross-border")},
    "import_kind": {
        "orders": _l("Orders"),
        "lives": _l("LIVE sessions"),
        "followers": _l("Followers"),
    },
    "warning": {
        "model_not_offered_in_market": _l("Model not listed for this market"),
        "invitation_category": _l("Invitation-only category"),
        "category_not_listed": _l("Category not listed"),
        "entity_not_eligible": _l("Licence not eligible"),
        "entity_share_unknown": _l("Shareholding unknown"),
        "store_type_mismatch": _l("Store type differs"),
        "peak_deadline_before_opening": _l("Peak work before opening"),
        "inbound_request_expires": _l("Inbound request would expire"),
    },
}

# Form fields as people know them, for "field: what is wrong" messages.
FIELDS = {
    "email": _l("E-mail"),
    "password": _l("Password"),
    "role": _l("Role"),
    # A store's, a product line's or a person's: not the People page's "Name" (姓名).
    "name": lazy_pgettext("form field", "Name"),
    "timezone": _l("Time zone"),
    "kind": _l("Kind"),
    "target": _l("Address or URL"),
    "secret": _l("Signing secret"),
    "remind_days_before": _l("Days before"),
    "remind_at": _l("Reminder time"),
    "digest": _l("Daily digest"),
    "digest_at": _l("Digest time"),
    "quiet_from": _l("Quiet from"),
    "quiet_until": _l("Quiet until"),
    "note": _l("Note"),
    "evidence_url": _l("Evidence link"),
    "assignee_id": _l("Who does it"),
    "title": _l("Title"),
    "description": _l("Details"),
    "due_on": _l("Due on"),
    "phase": _l("Phase"),
    "critical": _l("Critical"),
    "model": _l("Operating model"),
    "market": _l("Market"),
    "store_type": _l("Store type"),
    "entity": _l("Business licence country"),
    "categories": _l("Categories"),
    "opened_on": _l("Opened on"),
    "inspection_ends_on": _l("Inspection period ends on"),
    "chinese_share_percent": _l("Chinese shareholding"),
    "followers": _l("Followers"),
    "follower_target": _l("Follower target"),
    "freight_mode": _l("Freight"),
    "lead_time_days": _l("Lead time"),
    "production_days": _l("Production time"),
    "inbound_buffer_days": _l("Inbound buffer"),
    "inspection_days": _l("Inspection period length"),
    "orders_to_date": _l("Orders to date"),
    "daily_order_limit": _l("Daily order limit while on probation"),
    "live_target_per_week": _l("Lives a week"),
    "overrides": _l("Overrides"),
    "started_at": _l("Started"),
    "minutes": _l("Minutes"),
    "gmv": _l("GMV"),
    "url": _l("Video link"),
    "take_over_hours": _l("Hours to go live"),
    "handle": _l("Handle"),
    "bound_on": _l("Bound on"),
    "unbound_on": _l("Unbound on"),
    "current_stock": _l("Stock now"),
    "daily_sales": _l("Daily sales"),
    "safety_days": _l("Safety days"),
    "uplift_percent": _l("Peak uplift"),
    "production": _l("Production time"),
    "store_id": _l("Store"),
    "line_id": _l("Product line"),
    "profile": _l("Profile"),
    "answers": _l("Answers"),
    "locale": _l("Language"),
    # The readiness portfolio's filters.
    "status": _l("Status"),
    "sort": _l("Sort by"),
    "order": _l("Order"),
    # An import's file and options.
    "file": _l("File"),
    "accept_partial": _l("Import the good rows"),
    "skus": _l("SKUs"),
}


def field_label(name: str | None) -> str:
    """How a page names a form field in a message ("override_x" and "answer_x" included).

    People read the field's label in every language, never the API's name for it.
    """
    if not name:
        return ""
    if name.startswith("override_"):
        # Which warning: a store can need several overrides at once.
        code = name.removeprefix("override_")
        if code in LABELS["warning"]:
            return str(_l("Reason to go ahead: %(warning)s", warning=label(code, "warning")))
        return str(_l("Reason to go ahead"))
    if name.startswith("answer_") or name.startswith("answers."):
        return str(_l("Answer"))
    shown = FIELDS.get(name)
    return str(shown) if shown is not None else name


def label(code: Any, vocabulary: str) -> str:
    """Name a code of one of the product's fixed vocabularies (roles, states, kinds…)."""
    if not isinstance(code, str):
        return _label(code, vocabulary)
    return _cached_label(code, vocabulary, current_locale())


@SAID
def _cached_label(code: str, vocabulary: str, locale: str) -> str:
    return _label(code, vocabulary)


def _label(code: Any, vocabulary: str) -> str:
    names: Mapping[str, Any] = LABELS.get(vocabulary, {})
    shown = names.get(code)
    return str(shown) if shown is not None else ("" if code is None else str(code))
