"""Orders as the Partner API gives them (202309), read into the import core's order lines.

An order's ``line_items`` hold one entry per unit sold (the 202309 order has no quantity
field: assumption from the public SDKs' types and the docs' examples), so a SKU line's
quantity is the count of its items. Lines are keyed as the "All orders" export keys them:
the order id and the SKU ID (else the Seller SKU), so a file and the API meet on one row.
Times are Unix seconds; the export writes the store's wall clock, so they are turned into it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tracker.clock import utcnow

CANCELLED = "CANCELLED"
SELLER = "SELLER"


@dataclass
class ReadOrders:
    """The lines to keep from a page of orders, and the orders that could not be read."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    orders: int = 0
    skipped: list[dict[str, Any]] = field(default_factory=list)
    newest_day: date | None = None


def order_lines(
    orders: Iterable[dict[str, Any]], store_id: int, zone: str, dispatch_within_hours: int
) -> ReadOrders:
    """The order lines (one per order and SKU) a page of orders holds."""
    read = ReadOrders()
    wall = ZoneInfo(zone)
    for order in orders:
        try:
            rows = _order(order, store_id, wall, dispatch_within_hours)
        except (KeyError, TypeError, ValueError) as error:
            read.skipped.append({"order": str(order.get("id", "?")), "reason": str(error)})
            continue
        read.orders += 1
        read.rows += rows
        for row in rows:
            if read.newest_day is None or row["created_on"] > read.newest_day:
                read.newest_day = row["created_on"]
    return read


def _local(seconds: Any, wall: ZoneInfo) -> datetime | None:
    if seconds in (None, "", 0):
        return None
    return datetime.fromtimestamp(int(seconds), wall).replace(tzinfo=None)


def _order(
    order: dict[str, Any], store_id: int, wall: ZoneInfo, dispatch_within_hours: int
) -> list[dict[str, Any]]:
    order_id = str(order["id"]).strip()
    if not order_id:
        raise ValueError("the order has no id")
    created = _local(order["create_time"], wall)
    if created is None:
        raise ValueError(f"order {order_id} has no create_time")
    status = str(order.get("status") or "")
    order_cancelled = status.upper() == CANCELLED
    by_seller = str(order.get("cancellation_initiator") or "").upper() == SELLER
    paid = _local(order.get("paid_time"), wall)
    order_rts = order.get("rts_time")
    deadline = order.get("rts_sla_time")
    lines: dict[str, dict[str, Any]] = {}
    for item in order.get("line_items") or ():
        sku_id = str(item.get("sku_id") or "").strip() or None
        seller_sku = str(item.get("seller_sku") or "").strip() or None
        key = sku_id or seller_sku
        if key is None:
            raise ValueError(f"order {order_id}: a line item has no sku_id or seller_sku")
        line = lines.setdefault(
            key,
            {
                "sku_id": sku_id,
                "seller_sku": seller_sku,
                "units": 0,
                "cancelled_units": 0,
                "rts": None,
            },
        )
        if str(item.get("display_status") or "").upper() == CANCELLED:
            line["cancelled_units"] += 1
        else:
            line["units"] += 1
        rts = item.get("rts_time") or order_rts
        if rts and (line["rts"] is None or int(rts) > line["rts"]):
            line["rts"] = int(rts)
    rows = []
    for key, line in lines.items():
        cancelled = order_cancelled or line["units"] == 0
        dispatched = _local(line["rts"], wall)
        late = None
        if line["rts"] and deadline:
            # The platform's own measure: ready to ship after the order's ship-by deadline.
            late = line["rts"] > int(deadline)
        elif paid is not None and dispatched is not None:
            late = dispatched - paid > timedelta(hours=dispatch_within_hours)
        rows.append(
            {
                "store_id": store_id,
                "order_id": order_id[:64],
                "line_key": key[:128],
                "sku_id": line["sku_id"],
                "seller_sku": line["seller_sku"],
                "quantity": line["units"] + line["cancelled_units"] if cancelled else line["units"],
                "status": status[:64],
                "cancelled": cancelled,
                "seller_cancelled": cancelled and by_seller,
                "created_on": created.date(),
                "paid_at": paid,
                "dispatched_at": dispatched,
                "late": late,
                "source": "api",
                "updated_at": utcnow(),
            }
        )
    return rows
