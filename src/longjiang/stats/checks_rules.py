"""The relations the consistency checks test, and the ones the paper's tables and text imply."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "PAPER_RULES",
    "Cell",
    "ConversionRule",
    "CountRule",
    "GrowthRule",
    "Rule",
    "ShareIdentityRule",
    "ShareRule",
    "SumRule",
]


@dataclass(frozen=True)
class Cell:
    """An indicator, for one partner or (``partner=None``) for the partner of the row."""

    indicator: str
    partner: str | None = None


@dataclass(frozen=True)
class GrowthRule:
    """``growth[y]`` is the percentage change of ``value`` from year y-1 to y."""

    table: int | None
    value: str
    growth: str


@dataclass(frozen=True)
class SumRule:
    """``total`` equals the sum of ``parts`` (or is at least it when ``bound``)."""

    table: int | None
    total: Cell
    parts: tuple[Cell, ...]
    bound: bool = False


@dataclass(frozen=True)
class ShareRule:
    """``share`` is ``part`` as a percentage of a base.

    The base is either a cell (``base``, in ``base_table`` when it lives elsewhere) or
    implied by another row: ``implied_value / implied_share`` (in ``base_table``).
    """

    table: int | None
    part: Cell
    share: Cell
    base: Cell | None = None
    implied_value: Cell | None = None
    implied_share: Cell | None = None
    base_table: int | None = None
    skip_partners: tuple[str, ...] = ()


@dataclass(frozen=True)
class ShareIdentityRule:
    """Shares of a total and of its two parts in their own totals (total = a + b)."""

    table: int | None
    total: tuple[str, str]
    part_a: tuple[str, str]
    part_b: tuple[str, str]


@dataclass(frozen=True)
class ConversionRule:
    """Pairs of (yuan indicator, dollar indicator) converted by the paper at one rate."""

    pairs: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class CountRule:
    """A count printed in the text equals the number of rows of a text-only table."""

    indicator: str
    partner: str
    table: int


Rule = GrowthRule | SumRule | ShareRule | ShareIdentityRule | ConversionRule | CountRule

#: the relations the paper's tables and text imply (seed 002)
PAPER_RULES: tuple[Rule, ...] = (
    # Table 3: China–Russia trade
    SumRule(3, Cell("china-trade"), (Cell("china-exports"), Cell("china-imports"))),
    GrowthRule(3, "china-trade", "china-trade-growth"),
    GrowthRule(3, "china-exports", "china-exports-growth"),
    GrowthRule(3, "china-imports", "china-imports-growth"),
    ShareIdentityRule(
        3,
        ("china-trade", "china-trade-share"),
        ("china-exports", "china-exports-share"),
        ("china-imports", "china-imports-share"),
    ),
    # Table 4: Heilongjiang–Russia trade
    SumRule(
        4, Cell("heilongjiang-trade"), (Cell("heilongjiang-exports"), Cell("heilongjiang-imports"))
    ),
    GrowthRule(4, "heilongjiang-trade", "heilongjiang-trade-growth"),
    GrowthRule(4, "heilongjiang-exports", "heilongjiang-exports-growth"),
    GrowthRule(4, "heilongjiang-imports", "heilongjiang-imports-growth"),
    ShareRule(
        4,
        part=Cell("heilongjiang-trade", "Russia"),
        share=Cell("heilongjiang-trade-share-of-china", "Russia"),
        base=Cell("china-trade", "Russia"),
        base_table=3,
    ),
    # Table 5: Heilongjiang and Northeast Asia (base: provincial total implied by Russia's row)
    GrowthRule(5, "heilongjiang-trade", "heilongjiang-trade-growth"),
    ShareRule(
        5,
        part=Cell("heilongjiang-trade"),
        share=Cell("heilongjiang-trade-share"),
        implied_value=Cell("heilongjiang-trade", "Russia"),
        implied_share=Cell("heilongjiang-trade-share", "Russia"),
        base_table=5,
        skip_partners=("Russia",),
    ),
    # Table 6: Singapore (base: provincial total implied by Table 4)
    SumRule(
        6, Cell("heilongjiang-trade"), (Cell("heilongjiang-exports"), Cell("heilongjiang-imports"))
    ),
    GrowthRule(6, "heilongjiang-trade", "heilongjiang-trade-growth"),
    GrowthRule(6, "heilongjiang-exports", "heilongjiang-exports-growth"),
    GrowthRule(6, "heilongjiang-imports", "heilongjiang-imports-growth"),
    ShareRule(
        6,
        part=Cell("heilongjiang-trade", "Singapore"),
        share=Cell("heilongjiang-trade-share", "Singapore"),
        implied_value=Cell("heilongjiang-trade", "Russia"),
        implied_share=Cell("heilongjiang-trade-share", "Russia"),
        base_table=4,
    ),
    # Table 8: foreign investment utilised
    SumRule(
        8,
        Cell("heilongjiang-foreign-investment"),
        (Cell("heilongjiang-foreign-loans"), Cell("heilongjiang-fdi")),
    ),
    GrowthRule(8, "heilongjiang-foreign-investment", "heilongjiang-foreign-investment-growth"),
    GrowthRule(8, "heilongjiang-fdi", "heilongjiang-fdi-growth"),
    # Table 9: outward direct investment
    GrowthRule(9, "heilongjiang-odi", "heilongjiang-odi-growth"),
    ShareRule(
        9,
        part=Cell("heilongjiang-odi", "Russia"),
        share=Cell("heilongjiang-odi-share", "Russia"),
        base=Cell("heilongjiang-odi", "World"),
    ),
    # Table 11: inbound tourists
    SumRule(
        11,
        Cell("heilongjiang-inbound-tourists", "World"),
        tuple(
            Cell("heilongjiang-inbound-tourists", p)
            for p in ("Russia", "South Korea", "Japan", "Mongolia", "Singapore")
        ),
        bound=True,
    ),
    ShareRule(
        11,
        part=Cell("heilongjiang-inbound-tourists"),
        share=Cell("heilongjiang-inbound-tourists-share"),
        base=Cell("heilongjiang-inbound-tourists", "World"),
    ),
    # the text
    GrowthRule(None, "heilongjiang-tourists", "heilongjiang-tourists-growth"),
    GrowthRule(None, "heilongjiang-tourism-revenue-cny", "heilongjiang-tourism-revenue-growth"),
    SumRule(
        None,
        Cell("heilongjiang-cooperative-colleges", "World"),
        (
            Cell("heilongjiang-cooperative-colleges-public", "World"),
            Cell("heilongjiang-cooperative-colleges-private", "World"),
        ),
    ),
    ShareRule(
        None,
        part=Cell("heilongjiang-cooperative-projects", "Russia"),
        share=Cell("heilongjiang-cooperative-projects-share", "Russia"),
        base=Cell("heilongjiang-cooperative-projects", "World"),
    ),
    CountRule("heilongjiang-confucius-institutes", "World", 10),
    ConversionRule(
        (
            ("heilongjiang-domestic-funds-used-cny", "heilongjiang-domestic-funds-used-usd"),
            ("heilongjiang-cross-border-rmb-cny", "heilongjiang-cross-border-rmb-usd"),
            ("rmb-financing-agreement-cny", "rmb-financing-agreement-usd"),
            ("rmb-financing-realised-cny", "rmb-financing-realised-usd"),
            ("heilongjiang-tourism-revenue-cny", "heilongjiang-tourism-revenue-usd"),
        )
    ),
)
