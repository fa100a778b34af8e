"""Did it pay off: realized value against what was expected, by score band and score bucket at decision.

Both agendas are compared alike: a demand expected revenue at stake (BT) and savings over the horizon of scoring
model v2 (IT), its project realized revenue and took out cost, each recorded month by month.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db.models import (
    Avg,
    Case,
    Count,
    DecimalField,
    Expression,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Cast, Coalesce, Floor, Least, RowNumber
from django.utils.translation import gettext_lazy as _

from core.money import BASE_MONEY, to_base_expression
from intake.choices import ScoreBand
from portfolio.models import ProjectDemand
from portfolio.selectors import share_of
from triage.choices import DecisionOutcome
from triage.models import Assessment, Decision
from triage.scoring import V2_CHANGES

# A demand's yearly savings count over the years model v2 counts them, as its expected value.
SAVINGS_YEARS = V2_CHANGES["savings_years"]


def _expected(prefix: str = "") -> Expression:
    """A demand's expected value in the base currency: revenue at stake + yearly savings over SAVINGS_YEARS."""
    revenue = to_base_expression(f"{prefix}revenue_at_stake", f"{prefix}currency")
    savings = to_base_expression(f"{prefix}yearly_savings", f"{prefix}currency")
    return ExpressionWrapper(revenue + savings * Value(SAVINGS_YEARS), output_field=BASE_MONEY)


FRACTION = DecimalField(max_digits=30, decimal_places=10)
SCORE_BUCKET_POINTS = 10
NOT_SCORED = "unscored"


class Fraction(Func):
    """`numerator / denominator` as a fraction on every database.

    SQLite divides two whole numbers as integers (100000 / 300000 = 0), and it stores whole decimal amounts
    as integers; the numerator becomes a REAL there. PostgreSQL divides numerics exactly.
    """

    arg_joiner = " / "
    template = "(%(expressions)s)"
    output_field = FRACTION

    def __init__(self, numerator: Expression | str, denominator: Expression | str) -> None:
        super().__init__(numerator, denominator)

    def as_sqlite(self, compiler, connection, **extra_context):  # type: ignore[no-untyped-def]
        numerator, denominator = (compiler.compile(expression) for expression in self.get_source_expressions())
        return f"(CAST({numerator[0]} AS REAL) / {denominator[0]})", (*numerator[1], *denominator[1])


def approved_demand_outcomes(*, project_statuses: Sequence[str] = ()) -> QuerySet[Decision]:
    """One row per approved demand delivered by a project, annotated with what calibration compares:

    - `band_at_decision`, `score_at_decision`: of the latest assessment made at or before the approval (the
      score the CIO saw), not of today's score, which a later rescoring may have moved;
    - `stake`: the demand's expected value in the base currency (what its project expects from it): revenue at
      stake plus yearly savings over SAVINGS_YEARS;
    - `attributed`: the share of its project's realized value (revenue won plus cost taken out) credited to this
      demand. A project that delivers several demands splits it in proportion to each demand's expected value
      (equally when none of them had any), so the attributed amounts add up to the project's realized revenue;
    - `realization`: attributed / stake, or null when nothing was at stake.
    """
    at_decision = Assessment.objects.filter(
        change_request_id=OuterRef("change_request_id"), created_at__lte=OuterRef("created_at")
    ).order_by("-created_at", "-pk")
    siblings = ProjectDemand.objects.filter(project_id=OuterRef("change_request__project_link__project_id")).order_by()
    project_stake = siblings.values("project_id").annotate(total=Sum(_expected("change_request__")))
    project_demands = siblings.values("project_id").annotate(total=Count("pk"))
    rows = Decision.objects.filter(outcome=DecisionOutcome.APPROVED, change_request__project_link__isnull=False)
    if project_statuses:
        rows = rows.filter(change_request__project_link__project__status__in=project_statuses)
    return (
        rows.annotate(
            band_at_decision=Coalesce(Subquery(at_decision.values("band")[:1]), Value(NOT_SCORED)),
            score_at_decision=Subquery(at_decision.values("total")[:1]),
            stake=_expected("change_request__"),
            project_stake=Subquery(project_stake.values("total"), output_field=BASE_MONEY),
            project_demands=Subquery(project_demands.values("total"), output_field=IntegerField()),
            project_realized=F("change_request__project_link__project__realized_revenue")
            + F("change_request__project_link__project__realized_savings"),
        )
        .annotate(
            attributed=Case(
                When(project_stake__gt=0, then=F("project_realized") * Fraction("stake", "project_stake")),
                default=Fraction("project_realized", "project_demands"),
                output_field=BASE_MONEY,
            )
        )
        .annotate(
            # attributed / stake, simplified: stake * project_realized / project_stake / stake. The same number
            # without nesting `attributed` (and `stake` twice) inside it, which overflowed SQLite's parser stack
            # once `stake` became revenue plus savings in the base currency. A demand with a stake makes its
            # project's stake positive (the stakes are non-negative and it is one of them).
            realization=Case(
                When(stake__gt=0, then=Fraction("project_realized", "project_stake")),
                default=None,
                output_field=FRACTION,
            )
        )
    )


def _score_bucket() -> Expression:
    """0, 10, ..., 90: the lower bound of the 10-point bucket of the score at decision (100 joins 90-100)."""
    points = Value(Decimal(SCORE_BUCKET_POINTS))
    bucket = Floor(ExpressionWrapper(F("score_at_decision") / points, output_field=FRACTION))
    return Cast(Least(bucket, Value(Decimal("9"))) * points, output_field=IntegerField())


def _grouped(rows: QuerySet[Decision], key: Expression | None) -> list[dict]:
    """Count, stake, attributed revenue and mean realization per group of `key` (one GROUP BY query; one group
    of every row when `key` is None), and the median realization per group (one query: the middle one or two
    rows of each group, ranked by a window function, which PostgreSQL and SQLite both have)."""
    keyed = rows.annotate(group=key if key is not None else Value(""))
    sums = {
        "demands": Count("pk"),
        "stake_total": Coalesce(Sum("stake"), Value(Decimal("0")), output_field=BASE_MONEY),
        "realized_total": Coalesce(Sum("attributed"), Value(Decimal("0")), output_field=BASE_MONEY),
        "realization_mean": Avg("realization", output_field=FRACTION),
    }
    if key is None:
        groups = [{"group": "", **keyed.order_by().aggregate(**sums)}]
    else:
        groups = list(keyed.order_by().values("group").annotate(**sums))  # type: ignore[arg-type]
    partition = {"partition_by": [key]} if key is not None else {}
    ranked = (
        keyed.filter(realization__isnull=False)
        .annotate(
            position=Window(RowNumber(), order_by=[F("realization").asc(), F("pk").asc()], **partition),  # type: ignore[arg-type]
            group_size=Window(Count("pk"), **partition),  # type: ignore[arg-type]  # django-stubs types values() rows and Window's kwargs more narrowly than Django accepts
        )
        .order_by()
    )
    # Rank p of n is a middle one when n <= 2p <= n + 2: one rank when n is odd, two when it is even.
    middle = ranked.filter(group_size__lte=F("position") * 2, group_size__gte=F("position") * 2 - 2)
    medians: dict[Any, list[Decimal]] = defaultdict(list)
    for group, realization in middle.values_list("group", "realization"):
        medians[group].append(Decimal(realization))
    for row in groups:
        middle_values = medians.get(row["group"], [])
        median = sum(middle_values, Decimal("0")) / len(middle_values) if middle_values else None
        mean = row["realization_mean"]
        row["realization_median"] = median.quantize(Decimal("0.01")) if median is not None else None
        row["realization_mean"] = Decimal(mean).quantize(Decimal("0.01")) if mean is not None else None
        row["realization_total"] = share_of(row["realized_total"], row["stake_total"])
    return [row for row in groups if row["demands"]]


BAND_ORDER = (*ScoreBand.values, NOT_SCORED)
BAND_LABELS = {**dict(ScoreBand.choices), NOT_SCORED: _("Not scored at decision")}


def calibration_report(*, project_statuses: Iterable[str] = ()) -> dict:
    """Approved demands grouped by the score band (and 10-point score bucket) they had when approved,
    with the revenue they put at stake and the revenue their projects realized: six queries, whatever
    the number of demands."""
    rows = approved_demand_outcomes(project_statuses=tuple(project_statuses))
    by_band = {row["group"]: row for row in _grouped(rows, F("band_at_decision"))}  # type: ignore[arg-type]
    bands = [{"key": band, "label": BAND_LABELS[band], **by_band[band]} for band in BAND_ORDER if band in by_band]
    buckets = []
    for row in sorted(
        # score_at_decision is an annotation of approved_demand_outcomes, which django-stubs cannot follow.
        _grouped(rows.filter(score_at_decision__isnull=False), _score_bucket()),  # type: ignore[misc]
        key=lambda row: row["group"],
    ):
        low = int(row["group"])
        high = low + SCORE_BUCKET_POINTS - 1 if low < 90 else 100
        buckets.append({"key": low, "label": f"{low}–{high}", **row})
    total = _grouped(rows, None)
    return {"bands": bands, "buckets": buckets, "total": total[0] if total else None}
