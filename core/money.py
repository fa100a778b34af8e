"""Money in the base currency: one conversion, in Python and in SQL, that round alike.

Rates are `settings.CURRENCY_RATES_TO_BASE` (units of the base currency per unit of each currency; the base
currency has rate 1). The rule, everywhere a page, a CSV, an API field, a chart or the score converts:

- each amount is converted on its own and rounded to the cent, half to even (what `Decimal.quantize` does by
  default, and what scoring has always done), and only then summed: a total is the sum of rounded amounts, so
  a customer's total equals the sum of the lines shown for it, and a page agrees with the score to the cent;
- an amount already in the base currency (rate 1) is taken as it is: it has two decimal places;
- a currency without a rate is refused (`UnknownCurrency`): the form, the API and the model only accept the
  currencies of `intake.choices.Currency`, so an unknown one is a bug, never a silent rate of 1.

`to_base` is the Python side; `to_base_expression` is the same rule as an ORM expression (for `Sum` over a
queryset); `to_base_sql` is the fragment the what-if SQL embeds. tests/core/test_money.py proves the three agree
on PostgreSQL. On SQLite (the embedded demo) decimals are floats and the ORM form is SQL's ROUND: a total
computed in SQL there may differ by a cent from Python's on an exact half cent.
"""

from collections.abc import Iterable
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from django.conf import settings
from django.db.models import Case, DecimalField, Expression, F, Func, Value, When

CENT = Decimal("0.01")
BASE_MONEY = DecimalField(max_digits=24, decimal_places=2)
RATE = DecimalField(max_digits=12, decimal_places=6)
ZERO = Decimal("0.00")


class UnknownCurrency(ValueError):
    """An amount in a currency the settings give no rate for."""


def money_text(amount: Decimal) -> str:
    """An amount as the API and webhooks write money everywhere: a string with exactly two decimals ("40000.00").

    Always sent beside its currency code. A string, not a JSON number, so no client parses it into a float.
    """
    return f"{amount.quantize(CENT, rounding=ROUND_HALF_EVEN):f}"


def base_currency() -> str:
    """The currency every total is shown in (the one whose rate is 1)."""
    return str(settings.BASE_CURRENCY)


def rates() -> dict[str, Decimal]:
    """Each currency's rate to the base currency."""
    return {code: Decimal(rate) for code, rate in settings.CURRENCY_RATES_TO_BASE.items()}


def to_base(amount: Decimal, currency: str) -> Decimal:
    """`amount` in `currency`, in the base currency, rounded half to even to the cent."""
    try:
        rate = Decimal(settings.CURRENCY_RATES_TO_BASE[currency])
    except KeyError:
        raise UnknownCurrency(currency) from None
    if rate == 1:
        return amount
    return (amount * rate).quantize(CENT, rounding=ROUND_HALF_EVEN)


def sum_to_base(amounts: Iterable[tuple[Decimal, str]]) -> Decimal:
    """The total of (amount, currency) pairs in the base currency: each converted and rounded, then added."""
    return sum((to_base(amount, currency) for amount, currency in amounts), ZERO)


# Half-to-even rounding to the cent of a non-negative numeric `{x}`, as raw SQL for PostgreSQL (the what-if).
_SQL_CENT_HALF_EVEN = (
    "((CASE WHEN {x} * 100 - floor({x} * 100) = 0.5 THEN floor({x} * 100) + mod(floor({x} * 100), 2) "
    "ELSE round({x} * 100) END) / 100)"
)


def cent_half_even_sql(x: str) -> str:
    """`x` (a non-negative numeric SQL expression) rounded half to even to the cent, in PostgreSQL."""
    return _SQL_CENT_HALF_EVEN.format(x=x)


class CentHalfEven(Func):
    """The ORM form of `cent_half_even_sql`: exact on PostgreSQL; on SQLite, whose decimals are floats
    anyway (the embedded demo), SQL's ROUND to the cent."""

    output_field = BASE_MONEY

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> tuple[str, tuple[Any, ...]]:
        sql, params = compiler.compile(self.get_source_expressions()[0])
        return cent_half_even_sql(f"({sql})"), tuple(params) * _SQL_CENT_HALF_EVEN.count("{x}")

    def as_sql(
        self,
        compiler: Any,
        connection: Any,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, tuple[Any, ...]]:
        sql, params = compiler.compile(self.get_source_expressions()[0])
        return f"ROUND({sql}, 2)", tuple(params)


def to_base_expression(amount: str, currency: str) -> Expression:
    """The ORM twin of `to_base` for the field `amount` in the currency field `currency` (non-negative amounts)."""
    rate = Case(
        *(When(**{currency: code}, then=Value(value)) for code, value in rates().items()),
        default=Value(None),
        output_field=RATE,
    )
    # A base-currency amount times its rate of 1 is itself (two decimal places): no special case needed.
    return CentHalfEven(F(amount) * rate)


def to_base_sql(amount: str, rate: str) -> str:
    """The SQL twin of `to_base`: `amount` times its currency's `rate` column (NULL or 1 keeps the amount)."""
    converted = cent_half_even_sql(f"({amount} * {rate})")
    return f"CASE WHEN {rate} IS NULL OR {rate} = 1 THEN {amount} ELSE {converted} END"


__all__ = [
    "BASE_MONEY",
    "CENT",
    "CentHalfEven",
    "UnknownCurrency",
    "base_currency",
    "cent_half_even_sql",
    "rates",
    "sum_to_base",
    "to_base",
    "to_base_expression",
    "to_base_sql",
]
