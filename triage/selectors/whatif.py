"""What-if: every open demand rescored under proposed weights, without writing anything."""

import heapq
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from core import money
from core.money import to_base_sql
from intake.choices import OPEN_STATUSES, ChangeRequestKind
from intake.models import ChangeRequest
from partners.choices import (
    AGREEMENT_COVERS_UP_TO,
    COMPETITOR_RISK_FACTORS,
    DEPTH_FACTORS,
    SENSITIVITY_CORE_IP,
    SENSITIVITY_OTHER,
    DisclosureDepth,
)
from triage import scoring
from triage.choices import ScoreBand
from triage.scoring_sql import SCORE_SQL, SCORE_SQL_SETTINGS, it_cost_sql, score_sql_params
from triage.selectors.scoring_inputs import SCORING_DEMAND_FIELDS, scoring_inputs_for_rows

WHATIF_TOP = 10
BAND_ORDER = (ScoreBand.FAST_TRACK, ScoreBand.REVIEW, ScoreBand.DECLINE)


@dataclass(frozen=True)
class ScoreMove:
    """One open demand whose score a proposed model would change."""

    reference: str
    title: str
    old_score: Decimal
    old_band: str
    new_score: Decimal
    new_band: str

    @property
    def delta(self) -> Decimal:
        return self.new_score - self.old_score

    @property
    def old_band_label(self) -> str:
        return str(ScoreBand(self.old_band).label) if self.old_band else "—"

    @property
    def new_band_label(self) -> str:
        return str(ScoreBand(self.new_band).label)


@dataclass(frozen=True)
class ScoringWhatIf:
    """How the open queue would change under proposed weights: nothing here is written anywhere."""

    open_demands: int
    scored: int
    not_yet_scored: int
    moved: int  # scored demands whose band would change
    # (from band, its label, [(to band, its label, count)], row total); the last row is the unscored demands.
    band_matrix: list[tuple[str, str, list[tuple[str, str, int]], int]]
    band_totals_new: list[tuple[str, str, int]]
    risers: list[ScoreMove]
    fallers: list[ScoreMove]
    histogram_current: list[int]  # 10-point buckets of the scored demands' current scores
    histogram_new: list[int]  # the same demands under the proposed weights


# Amounts converted as core.money.to_base does (half to even, to the cent; base-currency amounts as they are).
_SQL_AMOUNT = to_base_sql("cr.revenue_at_stake", "rate.rate")
# Who asks (intake.selectors.asker_key): the matched customer, else the e-mail domain unless free-mail, else
# the address; compared only with itself, so only equality has to agree with Python's key.
_SQL_DOMAIN = (
    "(CASE WHEN position('@' in cr.contact_email) > 0 "
    "THEN lower(btrim(substring(cr.contact_email from '[^@]*$'))) ELSE '' END)"
)
_SQL_ASKER = (
    "(CASE WHEN cr.customer_id IS NOT NULL THEN 'customer:' || cr.customer_id "
    f"WHEN {_SQL_DOMAIN} <> '' AND NOT ({_SQL_DOMAIN} = ANY(%(free_mail_domains)s::varchar[])) "
    f"THEN 'domain:' || {_SQL_DOMAIN} "
    "ELSE 'email:' || lower(btrim(cr.contact_email)) END)"
)
_SQL_SAVINGS = to_base_sql("cr.yearly_savings", "rate.rate")
_SQL_RISK = to_base_sql("cr.risk_exposure_avoided", "rate.rate")
# partners.selectors.disclosure_exposures_for_ids in SQL: each demand's current plan (highest version), each item's
# exposure from the factors of partners.choices (passed as arrays, `disclosure_sql_params`), covered when the plan's
# agreement is in force today and its kind covers the depth; summed covered and not covered, in numeric (exact).
DISCLOSURE_SQL = """
SELECT change_request_id AS id,
       coalesce(sum(exposure) FILTER (WHERE covered), 0) AS covered,
       coalesce(sum(exposure) FILTER (WHERE NOT covered), 0) AS uncovered
FROM (
    SELECT plan.change_request_id,
           (%(depth_factors)s::numeric[])[item.depth]
           * CASE WHEN component.is_core_ip THEN %(sensitivity_core)s::numeric ELSE %(sensitivity_other)s::numeric END
           * (%(risk_factors)s::numeric[])[array_position(%(risk_levels)s::varchar[], partner.competitor_risk::varchar)]
           AS exposure,
           coalesce(agreement.starts_on <= %(today)s::date AND %(today)s::date <= agreement.expires_on
                    AND item.depth <= (%(cover_depths)s::integer[])[
                        array_position(%(agreement_kinds)s::varchar[], agreement.kind::varchar)], false) AS covered
    FROM partners_disclosureitem AS item
    JOIN partners_disclosureplan AS plan ON plan.id = item.plan_id
    JOIN partners_productcomponent AS component ON component.id = item.component_id
    JOIN partners_partner AS partner ON partner.id = plan.partner_id
    LEFT JOIN partners_agreement AS agreement ON agreement.id = plan.agreement_id
    WHERE NOT EXISTS (
        SELECT 1 FROM partners_disclosureplan AS newer
        WHERE newer.change_request_id = plan.change_request_id AND newer.version > plan.version
    )
) AS item_exposure
GROUP BY change_request_id
"""


def disclosure_sql_params() -> dict[str, Any]:
    """`DISCLOSURE_SQL`'s factors, from partners.choices (the depths are 1..5: an array's positions)."""
    depths = sorted(DisclosureDepth.values)
    assert depths == list(range(1, len(depths) + 1)), "DISCLOSURE_SQL indexes the depth factors by depth"
    return {
        "depth_factors": [Decimal(DEPTH_FACTORS[depth]) for depth in depths],
        "sensitivity_core": Decimal(SENSITIVITY_CORE_IP),
        "sensitivity_other": Decimal(SENSITIVITY_OTHER),
        "risk_levels": [str(level) for level in COMPETITOR_RISK_FACTORS],
        "risk_factors": [Decimal(factor) for factor in COMPETITOR_RISK_FACTORS.values()],
        "agreement_kinds": [str(kind) for kind in AGREEMENT_COVERS_UP_TO],
        "cover_depths": [int(depth) for depth in AGREEMENT_COVERS_UP_TO.values()],
    }


# Each open demand's inputs to the score, gathered as `scoring_inputs_for_rows` gathers them, then scored by
# the SQL twin of `scoring.score` (triage/scoring_sql.py, where the proof that they agree is described).
WHATIF_SQL = f"""
WITH rate (currency, rate) AS MATERIALIZED (
    SELECT * FROM unnest(%(currencies)s::varchar[], %(rates)s::numeric[])
), link AS MATERIALIZED (
    SELECT change_request_id AS id, similar_to_id AS other FROM intake_similardemand WHERE is_linked
    UNION
    SELECT similar_to_id, change_request_id FROM intake_similardemand WHERE is_linked
), party AS MATERIALIZED (
    -- Every linked demand (open or not) with its amount in the base currency and who asks.
    SELECT cr.id, {_SQL_AMOUNT} AS amount, {_SQL_ASKER} AS asker
    FROM intake_changerequest AS cr LEFT JOIN rate ON rate.currency = cr.currency
    WHERE cr.id IN (SELECT id FROM link)
), linked_group AS MATERIALIZED (
    -- Only demands with links need a group: the others are worth their own amount and have one asker.
    -- Each other customer asking adds the largest amount it asks for and one to the breadth; a copy from
    -- the demand's own customer adds nothing (scoring_inputs.py::linked_value_and_askers).
    SELECT other_asker.id, sum(other_asker.amount) AS extra, count(*) AS others
    FROM (
        SELECT link.id, other.asker, max(other.amount) AS amount
        FROM link JOIN party AS other ON other.id = link.other JOIN party AS own ON own.id = link.id
        WHERE other.asker <> own.asker
        GROUP BY link.id, other.asker
    ) AS other_asker
    GROUP BY other_asker.id
), estimate AS MATERIALIZED (
    -- The latest estimate of every demand (open or not: cheaper than narrowing them down first).
    SELECT id, {it_cost_sql(effort="effort_days", day_rate="day_rate", run_cost="yearly_run_cost")} AS it_cost
    FROM (
        SELECT DISTINCT ON (change_request_id) change_request_id AS id, effort_days, day_rate, yearly_run_cost
        FROM triage_costestimate
        ORDER BY change_request_id, created_at DESC, id DESC
    ) AS latest
), default_cost AS MATERIALIZED (
    -- What each product assumes for each kind of demand, before an analyst estimates.
    SELECT product.id AS product_id, kind.kind, {
    it_cost_sql(
        effort="coalesce(kind_default.effort_days, product.default_effort_days)",
        day_rate="product.default_day_rate",
        run_cost="coalesce(kind_default.yearly_run_cost, product.default_yearly_run_cost)",
    )
} AS it_cost
    FROM intake_product AS product
    CROSS JOIN unnest(%(kinds)s::varchar[]) AS kind (kind)
    LEFT JOIN intake_productkinddefault AS kind_default
           ON kind_default.product_id = product.id AND kind_default.kind = kind.kind
), disclosure AS MATERIALIZED ({DISCLOSURE_SQL}
), scoring_input AS (
    SELECT cr.id, (cr.score * 100)::integer AS current_score, cr.score_band AS current_band,
           {_SQL_AMOUNT} + coalesce(linked_group.extra, 0) AS value, {_SQL_SAVINGS} AS savings_yearly,
           {_SQL_RISK} AS risk_avoided,
           coalesce(estimate.it_cost, default_cost.it_cost) AS it_cost, 1 + coalesce(linked_group.others, 0) AS asking,
           cr.desired_date - %(today)s::date AS days, customer.tier, cr.risk_shares_ip AS shares_ip,
           cr.risk_exclusive AS exclusive, cr.risk_security AS security,
           coalesce(disclosure.covered, 0) AS disclosure_covered,
           coalesce(disclosure.uncovered, 0) AS disclosure_uncovered
    FROM intake_changerequest AS cr
    LEFT JOIN rate ON rate.currency = cr.currency
    LEFT JOIN linked_group ON linked_group.id = cr.id
    JOIN default_cost ON default_cost.product_id = cr.product_id AND default_cost.kind = cr.kind
    LEFT JOIN estimate ON estimate.id = cr.id
    LEFT JOIN intake_customer AS customer ON customer.id = cr.customer_id
    LEFT JOIN disclosure ON disclosure.id = cr.id
    WHERE cr.status IN %(open_statuses)s
)
SELECT id, current_score, current_band, total, band FROM {SCORE_SQL} AS scored
"""  # noqa: S608 (only the module's own constant fragments are formatted in; every value is a parameter)

# (pk, current score in cents or None, current band, proposed score in cents, proposed band)
WhatIfRow = tuple[int, int | None, str, int, str]


def _whatif_rows_postgresql(weights: scoring.ScoringWeights) -> list[WhatIfRow]:
    """Each open demand's current score and band and its proposed ones, in one statement (`WHATIF_SQL`)."""
    params = {
        **score_sql_params(weights),
        **disclosure_sql_params(),
        "open_statuses": tuple(str(status) for status in OPEN_STATUSES),
        "currencies": list(money.rates()),
        "rates": list(money.rates().values()),
        "kinds": [str(kind) for kind in ChangeRequestKind],
        "today": timezone.localdate(),
        "free_mail_domains": list(settings.FREE_MAIL_DOMAINS),
    }
    with transaction.atomic(), connection.cursor() as cursor:
        # JIT compilation costs more than it saves on this one statement; the row estimates of the small
        # CTEs are poor, and a merge join on them sorts the whole queue (on disk at the default work_mem).
        cursor.execute(
            f"{SCORE_SQL_SETTINGS}; SET LOCAL jit = off; SET LOCAL enable_mergejoin = off; SET LOCAL work_mem = '64MB'"
        )
        cursor.execute(WHATIF_SQL, params)
        return cursor.fetchall()


def _whatif_rows_python(weights: scoring.ScoringWeights) -> list[WhatIfRow]:
    """The rows of `_whatif_rows_postgresql`, scored by `scoring.TotalScorer` (SQLite, the embedded default)."""
    open_demands = ChangeRequest.objects.filter(status__in=OPEN_STATUSES)
    demands = {row["pk"]: row for row in open_demands.values(*SCORING_DEMAND_FIELDS, "score", "score_band")}
    inputs = scoring_inputs_for_rows(demands, open_demands.values("pk"))
    scorer = scoring.TotalScorer(weights)
    rows: list[WhatIfRow] = []
    for pk, demand in demands.items():
        total = scorer.total(inputs[pk])
        current = None if demand["score"] is None else int(demand["score"] * 100)
        rows.append((pk, current, demand["score_band"], int(total * 100), scorer.band(total)))
    return rows


def _whatif_rows(weights: scoring.ScoringWeights) -> list[WhatIfRow]:
    if connection.vendor == "postgresql":
        return _whatif_rows_postgresql(weights)
    return _whatif_rows_python(weights)


def whatif_scores(*, weights: scoring.ScoringWeights) -> dict[int, Decimal]:
    """Each open demand's score under `weights`, exactly as the preview computes it."""
    return {pk: Decimal(new).scaleb(-2) for pk, _, _, new, _ in _whatif_rows(weights)}


def scoring_whatif(*, weights: scoring.ScoringWeights, top: int = WHATIF_TOP) -> ScoringWhatIf:
    """Score every open demand under `weights` without writing anything, and compare with its current score.

    Set-based: on PostgreSQL one statement scores the whole open queue (see `_whatif_rows_postgresql`);
    elsewhere the inputs come in five reads and `scoring.TotalScorer` scores them. One more read fetches
    the titles of the biggest risers and fallers. The proposed scores use today's inputs, as the rescore
    after saving would; a demand never scored yet (still `submitted`) is counted apart, since it has no
    current score to move from.
    """
    rows = _whatif_rows(weights)
    matrix: dict[tuple[str, str], int] = {}
    histogram_current, histogram_new = [0] * 10, [0] * 10
    rises: list[tuple[int, int]] = []
    falls: list[tuple[int, int]] = []
    found: dict[int, tuple[int | None, str, int, str]] = {}
    for pk, old, old_band, new, new_band in rows:
        found[pk] = (old, old_band, new, new_band)
        if old is None:
            matrix[("", new_band)] = matrix.get(("", new_band), 0) + 1
            continue
        matrix[(old_band, new_band)] = matrix.get((old_band, new_band), 0) + 1
        histogram_current[min(old // 1000, 9)] += 1
        histogram_new[min(new // 1000, 9)] += 1
        if new > old:
            rises.append((new - old, -pk))
        elif new < old:
            falls.append((old - new, -pk))

    # Biggest moves first; among equal moves the oldest demand (lowest id) first.
    risers = [-negative_pk for _, negative_pk in heapq.nlargest(top, rises)]
    fallers = [-negative_pk for _, negative_pk in heapq.nlargest(top, falls)]
    labels = {
        pk: (reference, title)
        for pk, reference, title in ChangeRequest.objects.filter(pk__in=[*risers, *fallers]).values_list(
            "pk", "reference", "title"
        )
    }

    def move(pk: int) -> ScoreMove:
        old, old_band, new, new_band = found[pk]
        reference, title = labels[pk]
        old_score = Decimal(old).scaleb(-2) if old is not None else Decimal("0")
        return ScoreMove(reference, title, old_score, old_band, Decimal(new).scaleb(-2), new_band)

    from_bands = [(band.value, str(band.label)) for band in BAND_ORDER] + [("", "Not yet scored")]
    band_matrix = []
    for from_band, from_label in from_bands:
        cells = [(band.value, str(band.label), matrix.get((from_band, band.value), 0)) for band in BAND_ORDER]
        band_matrix.append((from_band, from_label, cells, sum(count for _, _, count in cells)))
    not_yet_scored = band_matrix[-1][3]
    return ScoringWhatIf(
        open_demands=len(found),
        scored=len(found) - not_yet_scored,
        not_yet_scored=not_yet_scored,
        moved=sum(count for (old, new), count in matrix.items() if old and old != new),
        band_matrix=band_matrix,
        band_totals_new=[
            (band.value, str(band.label), sum(row[2][index][2] for row in band_matrix))
            for index, band in enumerate(BAND_ORDER)
        ],
        risers=[move(pk) for pk in risers],
        fallers=[move(pk) for pk in fallers],
        histogram_current=histogram_current,
        histogram_new=histogram_new,
    )
