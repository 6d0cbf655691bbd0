"""The input about a product line: the figures its stock-up is worked from."""

from __future__ import annotations

from marshmallow import fields

from tracker.playbook.catalog import Catalog
from tracker.playbook.fields import (
    Choice,
    Input,
    Length,
    Number,
    Text,
    Whole,
    extended,
    per_catalog,
)
from tracker.playbook.phrases import Phrase, phrase

# Bounds (inclusive) of a line's figures.
LINE_NAME_MAX = 120
CURRENT_STOCK_MAX = 100_000_000
DAILY_SALES_MAX = 10_000_000
DAY_LIMITS = {"safety_days": 365, "lead_time_days": 180, "production_days": 365}
UPLIFT_MAX = 1000
SKU_MAX = 128
SKUS_MAX = 200


def _unknown_freight(got: str, known: str) -> Phrase:
    return phrase("unknown freight mode %(got)s (known: %(known)s)", got=got, known=known)


class _Line(Input):
    not_a_field = phrase("is not a product-line field")

    safety_days = Whole(0, DAY_LIMITS["safety_days"], allow_none=True)
    lead_time_days = Whole(0, DAY_LIMITS["lead_time_days"], allow_none=True)
    production_days = Whole(0, DAY_LIMITS["production_days"], allow_none=True)


def _figures(catalog: Catalog, *, new: bool) -> dict[str, fields.Field]:
    modes = sorted({mode for market in catalog.markets.values() for mode in market.freight})
    return {
        "name": Text(LINE_NAME_MAX, required=new, allow_blank=False),
        "current_stock": Whole(0, CURRENT_STOCK_MAX, required=new),
        "daily_sales": Number(
            0, DAILY_SALES_MAX, required=new, metadata={"description": "units a day"}
        ),
        "uplift_percent": fields.Nested(uplift_percent(catalog)),
        "skus": fields.List(
            Text(SKU_MAX, allow_blank=False),
            validate=Length(max=SKUS_MAX),
            metadata={
                "description": "Seller SKUs or SKU IDs whose orders are this line's sales "
                "(order imports match on them)"
            },
        ),
        "freight_mode": Choice(
            modes,
            refuse=_unknown_freight,
            allow_none=True,
            metadata={"description": "one of the store's market's freight modes"},
        ),
    }


@per_catalog
def product_line_new(catalog: Catalog) -> type[Input]:
    """A product line and the figures its stock-up is worked from."""
    return extended(_Line, _figures(catalog, new=True), name="ProductLineNew")


@per_catalog
def product_line_change(catalog: Catalog) -> type[Input]:
    """Figures of a product line to change: whichever are given."""
    return extended(_Line, _figures(catalog, new=False), name="ProductLineChange")


class _Uplift(Input):
    not_a_field = phrase("is not a peak")


@per_catalog
def uplift_percent(catalog: Catalog) -> type[Input]:
    """Extra sales in % during each of the catalog's peaks."""
    return extended(
        _Uplift,
        {
            key: Whole(0, UPLIFT_MAX, metadata={"description": f"extra sales in % during {key}"})
            for key in catalog.peaks
        },
        name="UpliftPercentIn",
    )
