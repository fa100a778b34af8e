"""core.money: one conversion to the base currency, the same to the cent in Python, in the ORM and in SQL."""

from decimal import Decimal

import pytest
from django.db import connection
from hypothesis import example, given, settings
from hypothesis import strategies as st

from core.money import UnknownCurrency, rates, sum_to_base, to_base, to_base_expression, to_base_sql
from intake.models import ChangeRequest
from tests.factories import file_demand

AMOUNTS = st.decimals(min_value=Decimal("0"), max_value=Decimal("999999999.99"), places=2)
CURRENCIES = st.sampled_from(sorted(rates()))


def test_an_amount_in_the_base_currency_is_taken_as_it_is():
    assert to_base(Decimal("1234.56"), "EUR") == Decimal("1234.56")


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (Decimal("0.50"), "GBP", Decimal("0.58")),  # 0.585: half to even goes down (half up would say 0.59)
        (Decimal("1.50"), "GBP", Decimal("1.76")),  # 1.755: half to even goes up
        (Decimal("100000"), "USD", Decimal("92000.00")),
        (Decimal("0.05"), "USD", Decimal("0.05")),  # 0.046
    ],
)
def test_other_currencies_are_converted_and_rounded_half_to_even_to_the_cent(amount, currency, expected):
    assert to_base(amount, currency) == expected


def test_a_currency_without_a_rate_is_refused_not_taken_at_rate_one():
    with pytest.raises(UnknownCurrency):
        to_base(Decimal("10"), "XXX")


def test_a_total_is_the_sum_of_the_rounded_amounts():
    assert sum_to_base([(Decimal("0.50"), "GBP"), (Decimal("0.50"), "GBP")]) == Decimal("1.16")  # not 1.17


@pytest.mark.django_db
@settings(max_examples=150, derandomize=True, deadline=None)
@given(amount=AMOUNTS, currency=CURRENCIES)
@example(amount=Decimal("0.50"), currency="GBP")
@example(amount=Decimal("1.50"), currency="GBP")
def test_the_orm_expression_rounds_exactly_as_python(amount, currency):
    demand = ChangeRequest.objects.order_by("pk").first() or file_demand()
    ChangeRequest.objects.filter(pk=demand.pk).update(revenue_at_stake=amount, currency=currency)
    in_sql = (
        ChangeRequest.objects.filter(pk=demand.pk)
        .annotate(base=to_base_expression("revenue_at_stake", "currency"))
        .values_list("base", flat=True)
        .get()
    )
    if connection.vendor == "postgresql":
        assert in_sql == to_base(amount, currency)
    else:  # SQLite stores decimals as floats: the same to the cent except at float noise around a half cent
        assert abs(Decimal(str(in_sql)) - to_base(amount, currency)) <= Decimal("0.01")


@pytest.mark.postgres
@pytest.mark.django_db
@settings(max_examples=300, derandomize=True, deadline=None)
@given(amount=AMOUNTS, currency=CURRENCIES)
@example(amount=Decimal("0.50"), currency="GBP")
def test_the_sql_fragment_of_the_what_if_rounds_exactly_as_python(amount, currency):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {to_base_sql('%(amount)s::numeric', '%(rate)s::numeric')}",
            {
                "amount": amount,
                "rate": rates()[currency],
            },
        )
        (in_sql,) = cursor.fetchone()
    assert in_sql == to_base(amount, currency)
