"""Value types every KPI formula shares: :class:`Metric`, :class:`Money` and input validation.

A metric is either defined (a number with a unit) or undefined (``value`` is ``None`` and ``reason``
says why). Undefined is never encoded as 0 or infinity: a brand reading "CPE 0" would think the
engagements were free, and "ROI inf" breaks every JSON consumer.

Money is :class:`decimal.Decimal` with an ISO 4217 code. Amounts in different currencies are never
added or divided by each other (:class:`CurrencyMismatchError`); RedLens converts no currencies.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from typing import Any, Final

__all__ = [
    "MAX_AMOUNT",
    "MAX_COUNT",
    "MONEY_PLACES",
    "UNIT_COST_PLACES",
    "CurrencyMismatchError",
    "KPIInputError",
    "Metric",
    "Money",
    "Operand",
    "check_count",
    "currency_code",
    "quantize",
    "resolve",
    "to_decimal",
]

MONEY_PLACES: Final = 2
"""Decimal places of money totals (cost, revenue, EMV): the minor unit of CNY and USD."""

UNIT_COST_PLACES: Final = 4
"""Decimal places of per-unit costs (CPM, CPC, CPE, CPA, CAC), so sub-cent CPEs do not round to 0."""

MAX_AMOUNT: Final = Decimal(10) ** 15
"""Largest money amount accepted (a quadrillion): beyond any campaign, and it keeps every
derived figure (per-mille costs, EMV sums) exact in decimal arithmetic."""

MAX_COUNT: Final = 10**15
"""Largest count accepted (impressions, likes, ...): far above the platform's whole audience."""

_CURRENCY_RE: Final = re.compile(r"[A-Z]{3}")


class KPIInputError(ValueError):
    """Input that no formula may use: a negative or fractional count, unparseable money, a bad code.

    The message names the field, the bad value and what is accepted, so the API can return it
    as-is in a 422 problem and the CLI can print it.
    """


class CurrencyMismatchError(KPIInputError):
    """Two amounts in different currencies were added, compared or divided."""


def currency_code(value: object, *, field: str = "currency") -> str:
    """Return ``value`` as an upper-case ISO 4217 code (``"cny"`` -> ``"CNY"``) or raise."""
    if not isinstance(value, str) or not _CURRENCY_RE.fullmatch(value.strip().upper()):
        raise KPIInputError(f"{field}={value!r} is not a currency code: use three letters such as CNY or USD")
    return value.strip().upper()


def check_count(field: str, value: object) -> int | None:
    """Return ``value`` if it is a whole number >= 0 (or ``None`` for "not given"), else raise."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise KPIInputError(f"{field}={value!r} is not a whole number: counts must be integers >= 0")
    if value < 0:
        raise KPIInputError(f"{field}={value} is negative: counts must be integers >= 0")
    if value > MAX_COUNT:
        raise KPIInputError(f"{field}={value} is out of range: counts must be at most {MAX_COUNT:,}")
    return value


def to_decimal(field: str, value: object, *, allow_negative: bool = False) -> Decimal | None:
    """Parse money or another exact quantity: ``Decimal``, ``int``, a decimal string or a finite float.

    Floats go through ``repr`` so that ``0.1`` becomes ``Decimal("0.1")``, not its binary expansion.
    Thousands separators, currency symbols, NaN and infinities are refused.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise KPIInputError(f"{field}={value!r} is not a number: give a decimal such as 1200 or 1200.50")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise KPIInputError(f"{field}={value!r} is not a finite number")
        result = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise KPIInputError(
                f"{field}={value!r} is not a decimal number: write 1200.50 (no currency sign, "
                "no thousands separator)"
            ) from None
    else:
        raise KPIInputError(f"{field}={value!r} is not a number: give a decimal such as 1200.50")
    if not result.is_finite():
        raise KPIInputError(f"{field}={value!r} is not a finite number")
    if abs(result) > MAX_AMOUNT:
        raise KPIInputError(
            f"{field}={value} is out of range: amounts must be at most {MAX_AMOUNT:,} in absolute value"
        )
    if result < 0 and not allow_negative:
        raise KPIInputError(f"{field}={value} is negative: amounts must be >= 0")
    return result


def quantize(amount: Decimal, places: int) -> Decimal:
    """Round half up to ``places`` decimals (commercial rounding, as invoices do).

    Runs in a wide local context so that a large but legal amount never overflows the default
    28-digit precision (``InvalidOperation``) while it is being rounded.
    """
    with localcontext() as ctx:
        ctx.prec = 60
        return amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount in one currency. ``+`` and ``-`` refuse to mix currencies."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        amount = to_decimal("amount", self.amount, allow_negative=True)
        object.__setattr__(self, "amount", amount)
        object.__setattr__(self, "currency", currency_code(self.currency))

    def _same(self, other: Money, verb: str) -> None:
        if self.currency != other.currency:
            raise CurrencyMismatchError(
                f"cannot {verb} {self.currency} and {other.currency} amounts: RedLens converts no "
                "currencies, so keep one currency per campaign or aggregate"
            )

    def __add__(self, other: Money) -> Money:
        self._same(other, "add")
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other, "subtract")
        return Money(self.amount - other.amount, self.currency)

    def to_dict(self, places: int = MONEY_PLACES) -> dict[str, str]:
        return {"amount": format(quantize(self.amount, places), "f"), "currency": self.currency}


Number = int | float | Decimal


@dataclass(frozen=True, slots=True)
class Metric:
    """One computed KPI.

    Attributes
    ----------
    name:
        Stable metric key, e.g. ``"engagement_rate_by_followers"``.
    value:
        ``int`` for counts, ``float`` for rates and ratios (fractions: 0.053, not 5.3),
        ``Decimal`` for money, ``None`` when undefined.
    unit:
        ``"count"``, ``"fraction"``, ``"ratio"``, ``"points"``, ``"seconds"``, a currency code for
        amounts, or e.g. ``"CNY per engagement"`` for unit costs.
    formula:
        Name of the formula used; differs from ``name`` when a fallback was taken
        (``ctr`` computed by ``ctr_by_views``).
    expression:
        The formula in words, e.g. ``"engagements / followers"``.
    reason:
        Why the value is undefined (``None`` when defined).
    currency:
        ISO code for money-valued metrics.
    note:
        A caveat the reader should see (a convention, a missing part counted as 0).
    """

    name: str
    value: Number | None
    unit: str
    formula: str
    expression: str
    reason: str | None = None
    currency: str | None = None
    note: str | None = None

    def __post_init__(self) -> None:
        if self.value is None and not self.reason:
            raise ValueError(f"metric {self.name}: an undefined value needs a reason")
        if isinstance(self.value, float) and not math.isfinite(self.value):
            raise ValueError(f"metric {self.name}: {self.value} is not finite; return undefined instead")

    @classmethod
    def undefined(
        cls,
        name: str,
        *,
        unit: str,
        formula: str,
        expression: str,
        reason: str,
        currency: str | None = None,
        note: str | None = None,
    ) -> Metric:
        return cls(name, None, unit, formula, expression, reason, currency, note)

    def json_value(self) -> int | float | str | None:
        """The value as JSON carries it: money as a decimal string, everything else as a number."""
        if isinstance(self.value, Decimal):
            return format(self.value, "f")
        return self.value

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "value": self.json_value(),
            "unit": self.unit,
            "formula": self.formula,
            "expression": self.expression,
            "reason": self.reason,
        }
        if self.currency is not None:
            out["currency"] = self.currency
        if self.note is not None:
            out["note"] = self.note
        return out


Operand = Number | Metric | Money | None
"""What the formulas accept: a plain number, ``None`` (not given), or another formula's Metric, whose
undefined reason then propagates ("engagements undefined: shares not given")."""


def resolve(label: str, operand: Operand) -> tuple[Number | None, str | None]:
    """Split an operand into (number, reason-if-missing). Money operands give their amount."""
    if operand is None:
        return None, f"{label} not given"
    if isinstance(operand, Metric):
        if operand.value is None:
            return None, f"{label} undefined ({operand.reason})"
        return operand.value, None
    if isinstance(operand, Money):
        return operand.amount, None
    if isinstance(operand, bool):
        raise KPIInputError(f"{label}={operand!r} is not a number")
    if isinstance(operand, float) and not math.isfinite(operand):
        raise KPIInputError(f"{label}={operand!r} is not a finite number")
    return operand, None
