"""The scoring arithmetic of DESIGN.md, pure: frozen inputs and weights in, every component's points out.

No ORM and no I/O, so it is tested by hand-computed cases and property tests, and the demand page can
print exactly what it did. Each component is normalized to 0..1 and multiplied by its weight; points
are rounded to cents and the total is their exact sum, clamped to 0..100 by an explicit adjustment
line, so a bar or waterfall chart of the components always adds up to the score shown.

Model v2 values both of the CIO's agendas. A demand's value has three parts, each in the base currency:
revenue at stake (the BT agenda), the cost it takes out over `savings_years` (the IT agenda: yearly savings
× years) and the risk or compliance exposure it avoids, capped at `risk_cap`. How they combine:
- **in money, summed**: the ROI component sets revenue + savings over the years + capped risk against the
  same IT build and run cost. A euro saved is worth a euro won, so an internal demand that pays for itself
  has the ROI of a customer demand that does; risk is capped because an exposure is a guess that would
  otherwise drown every other figure;
- **in points, each on its own**: revenue and savings each score on the same log scale (revenue floor to
  ceiling) with their own weight, risk linearly up to its cap with its own weight, so the demand page says
  which part the value came from, and the clamp to 0..100 bounds a demand that has all three.
v1 is the same rule with `savings_years`, `risk_cap` and their weights at 0: its scores are unchanged.
The value parts are data (`VALUE_PARTS`): a later model adds a part there, with its weight field.

Model v3 scores what a demand's disclosure plan really exposes to a partner (issue 18) instead of the flat
"shares IP" penalty. Each item of the current plan exposes depth factor × sensitivity × partner risk
(partners/exposure.py, the factors in partners/choices.py), times `disclosure_uncovered_factor` when the plan's
agreement does not cover it on the scoring date. The inputs carry the two sums (covered, uncovered) and the items
for the explanation; the penalty is min(`penalty_disclosure_cap`, `penalty_disclosure` × exposure), rounded half
up to the cent. The flat `penalty_shares_ip` stays for a demand that ticked "shares IP" but has no plan yet. v1 and
v2 have the disclosure parameters at 0: they do not value a plan and keep the flat penalty and their scores.
"""

import hashlib
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
BAND_FAST_TRACK, BAND_REVIEW, BAND_DECLINE = "fast_track", "review", "decline"
TIER_LABELS = {"strategic": "strategic", "key": "key", "standard": "standard", None: "no customer matched"}


@dataclass(frozen=True)
class ScoringWeights:
    """A scoring model's parameters; the defaults are model v1 from DESIGN.md."""

    weight_roi: Decimal = Decimal("40")
    weight_revenue: Decimal = Decimal("20")
    weight_breadth: Decimal = Decimal("15")
    weight_urgency: Decimal = Decimal("10")
    weight_strategic: Decimal = Decimal("15")
    penalty_shares_ip: Decimal = Decimal("15")
    penalty_exclusive: Decimal = Decimal("10")
    penalty_security: Decimal = Decimal("5")
    roi_midpoint: Decimal = Decimal("1.0")
    roi_steepness: Decimal = Decimal("1.0")
    revenue_floor: Decimal = Decimal("1000")
    revenue_ceiling: Decimal = Decimal("10000000")
    urgency_full_days: int = 30
    urgency_zero_days: int = 365
    horizon_years: Decimal = Decimal("3")
    tier_strategic: Decimal = Decimal("1")
    tier_key: Decimal = Decimal("0.6")
    tier_standard: Decimal = Decimal("0.3")
    fast_track_threshold: Decimal = Decimal("70")
    review_threshold: Decimal = Decimal("40")
    # Model v2's value parts (0 in v1, which values revenue alone).
    weight_savings: Decimal = Decimal("0")
    weight_risk: Decimal = Decimal("0")
    savings_years: Decimal = Decimal("0")
    risk_cap: Decimal = Decimal("0")
    # Model v3's disclosure penalty (0 in v1 and v2, which keep the flat "shares IP" penalty).
    penalty_disclosure: Decimal = Decimal("0")
    penalty_disclosure_cap: Decimal = Decimal("0")
    disclosure_uncovered_factor: Decimal = Decimal("0")


# What model v2 changes from v1 (scoring_model_create_version takes these as its changes): savings weigh as
# revenue does, over three years; risk avoided adds a little, capped at a million.
V2_CHANGES: dict[str, Decimal] = {
    "weight_savings": Decimal("20"),
    "weight_risk": Decimal("5"),
    "savings_years": Decimal("3"),
    "risk_cap": Decimal("1000000"),
}
# What model v3 changes from v2: the disclosure plan scored by what it exposes, 15 points per unit of exposure up
# to 30, an uncovered or expired agreement weighing half as much again.
V3_CHANGES: dict[str, Decimal] = {
    "penalty_disclosure": Decimal("15"),
    "penalty_disclosure_cap": Decimal("30"),
    "disclosure_uncovered_factor": Decimal("1.5"),
}


@dataclass(frozen=True)
class ScoringInputs:
    """What one demand's score is computed from, in the base currency."""

    value: Decimal  # revenue at stake of the demand and its linked similar demands
    effort_days: Decimal
    day_rate: Decimal
    yearly_run_cost: Decimal
    customers_asking: int
    days_until_desired: int | None
    customer_tier: str | None
    shares_ip: bool
    exclusive: bool
    security: bool
    provisional: bool  # product defaults stand in for an analyst's estimate
    savings_yearly: Decimal = Decimal("0")  # the cost the demand takes out each year
    risk_avoided: Decimal = Decimal("0")  # the risk or compliance exposure it avoids
    # The current disclosure plan's exposure (partners/exposure.py), summed over the items its agreement covers on
    # the scoring date and over those it does not; both 0 without a plan.
    disclosure_covered: Decimal = Decimal("0")
    disclosure_uncovered: Decimal = Decimal("0")
    # The items behind the sums, for the explanation only: (component, core IP, depth, covered, exposure).
    disclosure_items: tuple[tuple[str, bool, int, bool, str], ...] = ()

    def as_json(self) -> dict:
        # vars() rather than dataclasses.asdict(): the fields are flat values, and asdict's deep copies
        # were a quarter of the time of a bulk rescore. A value part left at zero is left out, so the
        # digest of a demand that states none is the one it had before model v2 existed.
        return {
            key: (str(value) if isinstance(value, Decimal) else value)
            for key, value in vars(self).items()
            if not (key in OPTIONAL_INPUTS and not value)
        }

    def canonical_json(self) -> str:
        """The inputs as JSON text with sorted keys: what is stored, and what the digest is taken of."""
        return json.dumps(self.as_json(), sort_keys=True)

    def digest(self) -> str:
        """A stable hash of the inputs: same inputs and model version means the same assessment."""
        return inputs_digest(self.canonical_json())


OPTIONAL_INPUTS = ("savings_yearly", "risk_avoided", "disclosure_covered", "disclosure_uncovered", "disclosure_items")


def inputs_digest(canonical_json: str) -> str:
    return hashlib.sha256(canonical_json.encode()).hexdigest()


@dataclass(frozen=True)
class Component:
    key: str
    label: str
    points: Decimal
    normalized: float | None
    weight: Decimal | None
    explanation: str

    def as_json(self) -> dict:
        return {
            "key": self.key,
            "label": self.label,
            "points": str(self.points),
            "normalized": self.normalized,
            "weight": None if self.weight is None else str(self.weight),
            "explanation": self.explanation,
        }


@dataclass(frozen=True)
class ScoreResult:
    total: Decimal
    band: str
    components: tuple[Component, ...]
    it_cost: Decimal
    roi: float

    def components_json(self) -> list[dict]:
        return [component.as_json() for component in self.components]


def it_cost_total(inputs: ScoringInputs, weights: ScoringWeights) -> Decimal:
    """Build cost plus run cost over the model's horizon."""
    return (inputs.effort_days * inputs.day_rate + inputs.yearly_run_cost * weights.horizon_years).quantize(CENT)


def _points(weight: Decimal, normalized: float) -> Decimal:
    return (weight * Decimal(repr(normalized))).quantize(CENT, rounding=ROUND_HALF_UP)


def _logistic(x: float, midpoint: float, steepness: float) -> float:
    exponent = max(-700.0, min(700.0, -steepness * (x - midpoint)))
    return 1.0 / (1.0 + math.exp(exponent))


def roi_normalized(value: Decimal, it_cost: Decimal, weights: ScoringWeights) -> tuple[float, float]:
    """(ROI, its logistic). A demand that costs nothing has an unbounded ROI: it scores the full weight."""
    if it_cost <= 0:
        return math.inf, 1.0
    roi = float((value - it_cost) / it_cost)
    return roi, _logistic(roi, float(weights.roi_midpoint), float(weights.roi_steepness))


def revenue_normalized(value: Decimal, weights: ScoringWeights) -> float:
    """log10(V) placed between log10(floor) and log10(ceiling), clamped to 0..1."""
    if value <= 0:
        return 0.0
    low, high = math.log10(weights.revenue_floor), math.log10(weights.revenue_ceiling)
    return min(1.0, max(0.0, (math.log10(value) - low) / (high - low)))


def savings_total(inputs: ScoringInputs, weights: ScoringWeights) -> Decimal:
    """Yearly savings over the model's savings horizon, rounded half to even to the cent."""
    return (inputs.savings_yearly * weights.savings_years).quantize(CENT)


def risk_capped(inputs: ScoringInputs, weights: ScoringWeights) -> Decimal:
    return min(inputs.risk_avoided, weights.risk_cap)


def value_combined(inputs: ScoringInputs, weights: ScoringWeights) -> Decimal:
    """What the ROI sets against the IT cost: revenue + savings over the horizon + risk avoided, capped."""
    return inputs.value + savings_total(inputs, weights) + risk_capped(inputs, weights)


def risk_normalized(inputs: ScoringInputs, weights: ScoringWeights) -> float:
    """The capped risk as a share of the cap (0 when the model has no cap: it does not value risk)."""
    if weights.risk_cap <= 0:
        return 0.0
    return float(risk_capped(inputs, weights)) / float(weights.risk_cap)


def disclosure_planned(inputs: ScoringInputs) -> bool:
    """The demand has a disclosure plan (every item exposes something, so a plan's sums are never both 0)."""
    return inputs.disclosure_covered + inputs.disclosure_uncovered > 0


def disclosure_valued(weights: ScoringWeights) -> bool:
    """The model scores disclosure plans (v3 on); before, the flat "shares IP" penalty is all there is."""
    return weights.penalty_disclosure > 0


def disclosure_exposure(inputs: ScoringInputs, weights: ScoringWeights) -> Decimal:
    """The plan's exposure in units: covered items as they are, uncovered ones times the model's factor."""
    return inputs.disclosure_covered + inputs.disclosure_uncovered * weights.disclosure_uncovered_factor


def disclosure_penalty(inputs: ScoringInputs, weights: ScoringWeights) -> Decimal:
    """The penalty's points (positive): points per unit × exposure, capped, rounded half up to the cent."""
    uncapped = weights.penalty_disclosure * disclosure_exposure(inputs, weights)
    return min(weights.penalty_disclosure_cap, uncapped).quantize(CENT, rounding=ROUND_HALF_UP)


def _disclosure_explanation(inputs: ScoringInputs, weights: ScoringWeights) -> str:
    items = "; ".join(
        f"{name}{' (core IP)' if core else ''} depth {depth}: {exposure}"
        + ("" if covered else f" × {weights.disclosure_uncovered_factor} uncovered")
        for name, core, depth, covered, exposure in inputs.disclosure_items
    )
    return (
        f"{weights.penalty_disclosure} points × exposure {disclosure_exposure(inputs, weights):f}"
        f" ({items or 'no items'}), capped at {weights.penalty_disclosure_cap}"
    )


def breadth_normalized(customers_asking: int) -> float:
    return 1.0 - 1.0 / max(1, customers_asking)


def urgency_normalized(days_until_desired: int | None, weights: ScoringWeights) -> float:
    """1 when due within `urgency_full_days`, 0 from `urgency_zero_days` on (or with no date), linear between."""
    if days_until_desired is None:
        return 0.0
    full, zero = weights.urgency_full_days, weights.urgency_zero_days
    if days_until_desired <= full:
        return 1.0
    if days_until_desired >= zero:
        return 0.0
    return (zero - days_until_desired) / (zero - full)


def strategic_normalized(tier: str | None, weights: ScoringWeights) -> float:
    return float(
        {"strategic": weights.tier_strategic, "key": weights.tier_key, "standard": weights.tier_standard}.get(
            tier or "", Decimal("0")
        )
    )


def band_for(total: Decimal, weights: ScoringWeights) -> str:
    if total >= weights.fast_track_threshold:
        return BAND_FAST_TRACK
    if total >= weights.review_threshold:
        return BAND_REVIEW
    return BAND_DECLINE


def _money(amount: Decimal) -> str:
    return f"{amount:,.0f}"


def score(inputs: ScoringInputs, weights: ScoringWeights) -> ScoreResult:
    """Every component's points and the total, with a sentence per component saying where it came from."""
    it_cost = it_cost_total(inputs, weights)
    value = value_combined(inputs, weights)
    roi, roi_norm = roi_normalized(value, it_cost, weights)
    revenue_norm = revenue_normalized(inputs.value, weights)
    breadth_norm = breadth_normalized(inputs.customers_asking)
    urgency_norm = urgency_normalized(inputs.days_until_desired, weights)
    strategic_norm = strategic_normalized(inputs.customer_tier, weights)
    roi_text = "unbounded" if math.isinf(roi) else f"{roi:.2f}"
    due = "no desired date" if inputs.days_until_desired is None else f"{inputs.days_until_desired} days until the date"

    components = [
        Component(
            "roi",
            "Return on IT cost",
            _points(weights.weight_roi, roi_norm),
            roi_norm,
            weights.weight_roi,
            f"value {_money(value)} against IT cost {_money(it_cost)} "
            f"({_money(inputs.effort_days)} days × {_money(inputs.day_rate)} + "
            f"{_money(inputs.yearly_run_cost)}/year × {weights.horizon_years} years): ROI {roi_text}",
        ),
        Component(
            "revenue",
            "Revenue at stake",
            _points(weights.weight_revenue, revenue_norm),
            revenue_norm,
            weights.weight_revenue,
            f"{_money(inputs.value)} on a log scale from "
            f"{_money(weights.revenue_floor)} to {_money(weights.revenue_ceiling)}",
        ),
        Component(
            "breadth",
            "Breadth of demand",
            _points(weights.weight_breadth, breadth_norm),
            breadth_norm,
            weights.weight_breadth,
            f"{inputs.customers_asking} customer(s) asking",
        ),
        Component(
            "urgency",
            "Urgency",
            _points(weights.weight_urgency, urgency_norm),
            urgency_norm,
            weights.weight_urgency,
            due,
        ),
        Component(
            "strategic",
            "Strategic fit",
            _points(weights.weight_strategic, strategic_norm),
            strategic_norm,
            weights.weight_strategic,
            f"customer tier: {TIER_LABELS.get(inputs.customer_tier, 'unknown')}",
        ),
    ]
    components[2:2] = [part.component(inputs, weights) for part in VALUE_PARTS if part.is_valued(weights)]
    # Under a model that scores plans, a plan replaces the flat penalty (kept for a demand with none yet).
    planned = disclosure_valued(weights) and disclosure_planned(inputs)
    penalties = (
        (
            "penalty_ip",
            "Source or IP shared with a third party",
            inputs.shares_ip and not planned,
            weights.penalty_shares_ip,
        ),
        ("penalty_exclusive", "Exclusive to one customer", inputs.exclusive, weights.penalty_exclusive),
        ("penalty_security", "Touches security or personal data", inputs.security, weights.penalty_security),
    )
    for key, label, applies, penalty in penalties:
        if applies:
            components.append(Component(key, label, -penalty.quantize(CENT), None, None, "declared by the customer"))
    if planned:
        components.append(
            Component(
                "penalty_disclosure",
                "Disclosure to a partner",
                -disclosure_penalty(inputs, weights),
                None,
                weights.penalty_disclosure,
                _disclosure_explanation(inputs, weights),
            )
        )

    raw_total = sum((component.points for component in components), Decimal("0"))
    total = min(Decimal("100"), max(Decimal("0"), raw_total)).quantize(CENT)
    if total != raw_total:
        components.append(
            Component(
                "adjustment",
                "Kept within 0–100",
                total - raw_total,
                None,
                None,
                f"the components add up to {raw_total}",
            )
        )
    return ScoreResult(
        total=total, band=band_for(total, weights), components=tuple(components), it_cost=it_cost, roi=roi
    )


@dataclass(frozen=True)
class ValuePart:
    """A part of a demand's value beside revenue: its points are its weight times its normalized amount.

    A model that leaves `model_field` at 0 does not value the part, and the part is not listed in its scores.
    """

    key: str
    label: str
    weight_field: str
    model_field: str
    normalized: Callable[[ScoringInputs, ScoringWeights], float]
    explanation: Callable[[ScoringInputs, ScoringWeights], str]

    def is_valued(self, weights: ScoringWeights) -> bool:
        return bool(getattr(weights, self.model_field) > 0)

    def component(self, inputs: ScoringInputs, weights: ScoringWeights) -> Component:
        weight = getattr(weights, self.weight_field)
        normalized = self.normalized(inputs, weights)
        return Component(
            self.key, self.label, _points(weight, normalized), normalized, weight, self.explanation(inputs, weights)
        )


VALUE_PARTS: tuple[ValuePart, ...] = (
    ValuePart(
        "savings",
        "Savings",
        "weight_savings",
        "savings_years",
        lambda inputs, weights: revenue_normalized(savings_total(inputs, weights), weights),
        lambda inputs, weights: (
            f"{_money(inputs.savings_yearly)}/year × {weights.savings_years} years = "
            f"{_money(savings_total(inputs, weights))} on a log scale from "
            f"{_money(weights.revenue_floor)} to {_money(weights.revenue_ceiling)}"
        ),
    ),
    ValuePart(
        "risk",
        "Risk avoided",
        "weight_risk",
        "risk_cap",
        risk_normalized,
        lambda inputs, weights: (
            f"{_money(inputs.risk_avoided)} of exposure avoided, counted up to {_money(weights.risk_cap)}"
        ),
    ),
)


class TotalScorer:
    """The total and band `score` gives, for many demands under one model: the what-if preview on SQLite.

    It is `score` itself, not a second sum of the components: the one definition of the score is `score`
    (and its SQL twin in triage/scoring_sql.py is proven equal to it).
    """

    def __init__(self, weights: ScoringWeights) -> None:
        self.weights = weights

    def total(self, inputs: ScoringInputs) -> Decimal:
        return score(inputs, self.weights).total

    def band(self, total: Decimal) -> str:
        return band_for(total, self.weights)


# Which inputs and which model parameters move each component: the vocabulary of a score difference.
COMPONENT_DRIVERS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "roi": (
        ("value", "savings_yearly", "risk_avoided", "effort_days", "day_rate", "yearly_run_cost"),
        ("weight_roi", "roi_midpoint", "roi_steepness", "horizon_years", "savings_years", "risk_cap"),
    ),
    "revenue": (("value",), ("weight_revenue", "revenue_floor", "revenue_ceiling")),
    "savings": (("savings_yearly",), ("weight_savings", "savings_years", "revenue_floor", "revenue_ceiling")),
    "risk": (("risk_avoided",), ("weight_risk", "risk_cap")),
    "breadth": (("customers_asking",), ("weight_breadth",)),
    "urgency": (("days_until_desired",), ("weight_urgency", "urgency_full_days", "urgency_zero_days")),
    "strategic": (("customer_tier",), ("weight_strategic", "tier_strategic", "tier_key", "tier_standard")),
    "penalty_ip": (("shares_ip", "disclosure_covered", "disclosure_uncovered"), ("penalty_shares_ip",)),
    "penalty_exclusive": (("exclusive",), ("penalty_exclusive",)),
    "penalty_security": (("security",), ("penalty_security",)),
    "penalty_disclosure": (
        ("disclosure_covered", "disclosure_uncovered"),
        ("penalty_disclosure", "penalty_disclosure_cap", "disclosure_uncovered_factor"),
    ),
    "adjustment": ((), ()),
}
INPUT_LABELS = {
    "value": "value at stake",
    "savings_yearly": "savings per year",
    "risk_avoided": "risk avoided",
    "effort_days": "effort (person-days)",
    "day_rate": "day rate",
    "yearly_run_cost": "run cost per year",
    "customers_asking": "customers asking",
    "days_until_desired": "days until the desired date",
    "customer_tier": "customer tier",
    "shares_ip": "IP shared with a third party",
    "exclusive": "exclusive to one customer",
    "security": "security or personal data",
    "disclosure_covered": "exposure covered by the agreement",
    "disclosure_uncovered": "exposure not covered",
}


@dataclass(frozen=True)
class ComponentDifference:
    key: str
    label: str
    before: Decimal
    after: Decimal
    reasons: tuple[str, ...]
    # The same reasons as data, for a page to write in its reader's language (triage/component_text.py):
    # ("input" | "weight", name, before, after), or ("sum", "", None, None) for the 0–100 adjustment.
    changes: tuple[tuple[str, str, object, object], ...] = ()

    @property
    def delta(self) -> Decimal:
        return self.after - self.before


def _shown(value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return str(value)
    return f"{number:,.0f}" if number == number.to_integral_value() else f"{number:,.2f}"


def _reason(kind: str, name: str, before: object, after: object) -> str:
    if kind == "sum":
        return "the other components moved the sum across 0 or 100"
    what = INPUT_LABELS.get(name, name) if kind == "input" else f"model {name.replace('_', ' ')}"
    return f"{what} {_shown(before)} → {_shown(after)}"


def _input_value(inputs: dict, name: str) -> object:
    """A stored input; an optional one left out of the stored inputs (ScoringInputs.as_json) was 0."""
    return inputs.get(name, "0" if name in OPTIONAL_INPUTS and inputs else None)


def explain_difference(
    *,
    before_components: list[dict],
    after_components: list[dict],
    before_inputs: dict,
    after_inputs: dict,
    before_weights: dict,
    after_weights: dict,
) -> list[ComponentDifference]:
    """Each component's points before and after, with the inputs and weights that changed under it."""
    before_points = {c["key"]: (c["label"], Decimal(c["points"])) for c in before_components}
    after_points = {c["key"]: (c["label"], Decimal(c["points"])) for c in after_components}
    differences = []
    for key in [*after_points, *(k for k in before_points if k not in after_points)]:
        label = (after_points.get(key) or before_points[key])[0]
        before = before_points.get(key, (label, Decimal("0")))[1]
        after = after_points.get(key, (label, Decimal("0")))[1]
        input_names, weight_names = COMPONENT_DRIVERS.get(key, ((), ()))
        changes: list[tuple[str, str, object, object]] = [
            ("input", name, _input_value(before_inputs, name), _input_value(after_inputs, name))
            for name in input_names
            if str(_input_value(before_inputs, name)) != str(_input_value(after_inputs, name))
        ]
        changes += [
            ("weight", name, before_weights.get(name), after_weights.get(name))
            for name in weight_names
            if str(before_weights.get(name)) != str(after_weights.get(name))
        ]
        if key == "adjustment" and before != after:
            changes.append(("sum", "", None, None))
        reasons = [_reason(kind, name, was, now) for kind, name, was, now in changes]
        differences.append(ComponentDifference(key, label, before, after, tuple(reasons), tuple(changes)))
    return differences
