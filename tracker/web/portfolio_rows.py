"""The portfolio's store rows, drawn in Python in one pass (as tracker/web/rows.py draws task
rows, see docs/architecture.md).

As a Jinja loop each row cost about 170 µs of template calls (words, links, badges, dates),
most of a 50-row page. Here the words said alike on every row are worked out once per
request and language (the request's :class:`~tracker.web.rows.RowWriter` keeps them) and
each row is joined from escaped pieces: the same HTML, byte for byte, as the template it
replaces (tests/readiness/test_portfolio_rows.py keeps that template).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from flask import Flask, url_for
from markupsafe import Markup, escape

from tracker.extensions import N_
from tracker.i18n.format import number, separator, share, when
from tracker.i18n.labels import label
from tracker.i18n.seeds import gate_reason, seed_name, task_title
from tracker.i18n.text import localize
from tracker.playbook.phrases import Name, Phrase
from tracker.readiness.queries import StoreReadiness
from tracker.web.rows import RowWriter, writer


def init_app(app: Flask) -> None:
    """Let templates draw the portfolio's rows: ``{{ portfolio_row(row) }}``."""
    app.jinja_env.globals["portfolio_row"] = portfolio_row


def portfolio_row(row: StoreReadiness) -> Markup:
    """One store of the portfolio as a table row (``<tr>``)."""
    return _PortfolioWords.of(writer()).row(row)


class _PortfolioWords:
    """What every portfolio row of a request says alike: labels, names, the store link."""

    def __init__(self, said: RowWriter) -> None:
        self.said = said
        self._names: dict[tuple[str, str], str] = {}
        self._badges: dict[str, str] = {}
        self._labels: dict[tuple[str, str], str] = {}
        self._reasons: dict[str, str] = {}
        link = url_for("readiness.store_page", store_id=0)
        head, _, tail = link.rpartition("/0/")
        self._store_link = (escape(head + "/"), escape("/" + tail)) if head else None
        self.words = {
            text: said.say(text)
            for text in (N_("no onboarding work"), N_("none in view"), N_("none"))
        }
        self._separator = separator()

    @classmethod
    def of(cls, said: RowWriter) -> _PortfolioWords:
        kept: _PortfolioWords | None = getattr(said, "_portfolio_words", None)
        if kept is None:
            kept = cls(said)
            said._portfolio_words = kept  # type: ignore[attr-defined]
        return kept

    def name(self, kind: str, key: str) -> str:
        found = self._names.get((kind, key))
        if found is None:
            found = self._names[(kind, key)] = escape(seed_name(kind, key))
        return found

    def label(self, code: str, vocabulary: str) -> str:
        found = self._labels.get((code, vocabulary))
        if found is None:
            found = self._labels[(code, vocabulary)] = escape(label(code, vocabulary))
        return found

    def badge(self, status: str) -> str:
        """``status_badge`` of readiness/_macros.html."""
        found = self._badges.get(status)
        if found is None:
            code = escape(status)
            found = self._badges[status] = (
                f'<span class="badge status-{code}" data-status="{code}">'
                f"{self.label(status, 'readiness')}</span>"
            )
        return found

    def store_link(self, store_id: int) -> str:
        if self._store_link is None:
            return escape(url_for("readiness.store_page", store_id=store_id))
        return f"{self._store_link[0]}{int(store_id)}{self._store_link[1]}"

    def joined(self, reasons: Iterable[Any]) -> str:
        """``reasons|map('localize')|join(separator())`` as Jinja says it, not escaped yet."""
        return self._separator.join(self.localized(reason) for reason in reasons)

    def localized(self, reason: Any) -> str:
        """A reason in the reader's language. Stores in the same state are not ready for
        the same reasons: each is said once a request. A phrase is known by all it keeps
        (its message and values, a name's kind, key and context), not by its English: a
        wait for "campaign.register" reads the same in English for every peak."""
        key = _said_by(reason)
        found = self._reasons.get(key)
        if found is None:
            found = self._reasons[key] = localize(reason)
        return found

    def row(self, row: StoreReadiness) -> Markup:
        said = self.said
        say = said.say
        words = self.words
        store = row.store
        peak = row.next_peak
        today = row.today
        out = [
            f'<tr data-store-id="{store.id}" data-status="{escape(row.status)}"'
            f' data-market="{escape(store.market)}">\n'
            f'      <td><a href="{self.store_link(store.id)}">{escape(store.name)}</a>\n'
            f'        <div class="muted">{self.label(store.store_type, "store_type")} · '
            f"{say(N_('today %(day)s'), day=said.day(today))}</div>\n        "
        ]
        health = row.shop_health
        if health:
            line = say(
                N_(
                    "late dispatch %(late)s · seller-fault cancellations %(cancelled)s"
                    " · as of the import of %(day)s"
                ),
                late=share(health.late_dispatch_rate),
                cancelled=share(health.seller_cancel_rate),
                day=said.day(health.as_of),
            )
            out.append(f'<div class="muted shop-health">{line}</div>')
        out.append("\n        ")
        if row.data_stale:
            line = say(
                N_("Data older than a week: the newest imported day is %(day)s."),
                day=said.day(row.data_as_of) if row.data_as_of else "",
            )
            out.append(f'<div class="lock stale">{line}</div>')
        out.append(
            f"</td>\n      <td>{self.name('model', store.model)}</td>\n"
            f'      <td title="{self.name("market", store.market)}">{escape(store.market)}</td>\n'
            f"      <td>{self.badge(row.status)}\n        "
        )
        reasons = row.reasons
        if reasons:
            out.append('<ul class="reasons">')
            out.extend(f"<li>{escape(self.localized(reason))}</li>" for reason in reasons[:3])
            if len(reasons) > 3:
                more = say(N_("…and %(num)d more"), num=len(reasons) - 3)
                out.append(f"<li>{more}</li>")
            out.append("</ul>")
        out.append('</td>\n      <td class="num">')
        onboarding = row.onboarding
        if onboarding.tally.total:
            tasks = say(
                N_("%(done)d/%(total)d tasks"),
                done=onboarding.tally.done,
                total=onboarding.tally.total,
            )
            out.append(
                f'<strong>{onboarding.percent}%</strong>\n        <div class="muted">{tasks}</div>'
            )
        else:
            out.append(f'<span class="muted">{words["no onboarding work"]}</span>')
        out.append("</td>\n      <td>")
        if peak:
            out.append(
                f'{self.name("peak", peak.key)} <span class="muted">{said.day(peak.falls_on)}'
                f'</span>\n        <div class="muted">{said.days_away(peak.falls_on, today)}'
            )
            if peak.warmup_starts_on and peak.warmup_starts_on > today:
                warmup = say(N_("warm-up %(day)s"), day=said.day(peak.warmup_starts_on))
                out.append(f" · {warmup}")
            out.append("</div>\n        ")
        else:
            out.append(f'<span class="muted">{words["none in view"]}</span>')
        out.append('</td>\n      <td class="num">')
        if peak:
            tasks = say(
                N_("%(done)d/%(total)d tasks"), done=peak.tally.done, total=peak.tally.total
            )
            out.append(
                f"<strong>{peak.percent}%</strong> {self.badge(peak.status)}\n"
                f'        <div class="muted">{tasks}</div>'
            )
        else:
            out.append("—")
        overdue = "overdue" if row.overdue else ""
        blocked = row.blocked
        out.append(
            f'</td>\n      <td class="num {overdue}">{escape(number(row.overdue))}</td>\n'
            f'      <td class="num">{len(blocked)}\n        '
        )
        if blocked:
            first = blocked[0]
            why = self.joined(first.locked_because)
            locked = say(N_("Locked: %(why)s"), why=why)
            shown = escape(gate_reason(first) or why)
            out.append(f'<div class="lock" title="{locked}">{escape(task_title(first))} — {shown}')
            if len(blocked) > 1:
                out.append(" " + say(N_("(+%(num)d more)"), num=len(blocked) - 1))
            out.append("</div>")
        out.append("</td>\n      <td>")
        if row.last_activity_at:
            out.append(escape(when(row.last_activity_at)))
        else:
            out.append(f'<span class="muted">{words["none"]}</span>')
        out.append("</td>\n    </tr>")
        return Markup("".join(out))


def _said_by(reason: Any) -> str:
    """Everything a reason is said from, as one string."""
    if isinstance(reason, Phrase):
        return json.dumps(reason.to_json(), sort_keys=True, ensure_ascii=False)
    if isinstance(reason, Name):
        return json.dumps(["name", reason.kind, reason.key, str(reason), dict(reason.context)])
    return json.dumps(["text", str(reason)], ensure_ascii=False)
