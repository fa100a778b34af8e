"""A score's components as a reader sees them: name and explanation in the reader's language.

An assessment stores each component's key and points, and the inputs and model the score was computed from:
the names and explanations are written from those when shown, in the active language, with its numbers. The
English `label` and `explanation` stored with each component (and given by the API) stay what they were; a
component this module does not know, or an assessment whose stored inputs no longer fit, keeps them.
"""

import math
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from core.templatetags.demanddesk import money
from intake.choices import CustomerTier
from partners.choices import DisclosureDepth
from triage import scoring
from triage.forms import ScoringModelForm
from triage.models import Assessment

LABELS = {
    "roi": _("Return on IT cost"),
    "revenue": _("Revenue at stake"),
    "breadth": _("Breadth of demand"),
    "urgency": _("Urgency"),
    "strategic": _("Strategic fit"),
    "savings": _("Savings"),
    "risk": _("Risk avoided"),
    "penalty_ip": _("Source or IP shared with a third party"),
    "penalty_exclusive": _("Exclusive to one customer"),
    "penalty_security": _("Touches security or personal data"),
    "penalty_disclosure": _("Disclosure to a partner"),
    "adjustment": _("Kept within 0–100"),
}
# What changed under a component (scoring.explain_difference's inputs), named for the reader; the English is
# scoring.INPUT_LABELS' wording.
INPUT_TEXT = {
    "value": _("value at stake"),
    "savings_yearly": _("savings per year"),
    "risk_avoided": _("risk avoided"),
    "effort_days": _("effort (person-days)"),
    "day_rate": _("day rate"),
    "yearly_run_cost": _("run cost per year"),
    "customers_asking": _("customers asking"),
    "days_until_desired": _("days until the desired date"),
    "customer_tier": _("customer tier"),
    "shares_ip": _("IP shared with a third party"),
    "exclusive": _("exclusive to one customer"),
    "security": _("security or personal data"),
    "disclosure_covered": _("exposure covered by the agreement"),
    "disclosure_uncovered": _("exposure not covered"),
}
# Inputs shown with every decimal in a score comparison: exposures are small sums of factors.
EXACT_INPUTS = ("disclosure_covered", "disclosure_uncovered")
DECIMAL_INPUTS = (
    "value",
    "effort_days",
    "day_rate",
    "yearly_run_cost",
    "savings_yearly",
    "risk_avoided",
    "disclosure_covered",
    "disclosure_uncovered",
)


def _inputs(stored: dict[str, Any]) -> scoring.ScoringInputs | None:
    try:
        values: dict[str, Any] = {
            key: Decimal(str(value)) if key in DECIMAL_INPUTS else value for key, value in stored.items()
        }
        if "disclosure_items" in values:
            values["disclosure_items"] = tuple(tuple(item) for item in values["disclosure_items"])
        return scoring.ScoringInputs(**values)
    except (TypeError, KeyError, InvalidOperation):
        return None


def _explanation(key: str, inputs: scoring.ScoringInputs, weights: scoring.ScoringWeights, raw_total: Decimal) -> str:
    if key == "roi":
        it_cost = scoring.it_cost_total(inputs, weights)
        # The value the ROI weighs is scoring's own: revenue, plus savings and capped risk where the model values them.
        value = scoring.value_combined(inputs, weights)
        roi, _normalized = scoring.roi_normalized(value, it_cost, weights)
        return gettext(
            "value %(value)s against IT cost %(cost)s (%(days)s days × %(rate)s + %(run)s/year × %(years)s years):"
            " ROI %(roi)s"
        ) % {
            "value": money(value),
            "cost": money(it_cost),
            "days": money(inputs.effort_days),
            "rate": money(inputs.day_rate),
            "run": money(inputs.yearly_run_cost),
            "years": number_format(weights.horizon_years),
            # Rounded as the stored English was (float formatting), then written with the reader's separator.
            "roi": gettext("unbounded") if math.isinf(roi) else number_format(Decimal(f"{roi:.2f}")),
        }
    if key == "revenue":
        return gettext("%(value)s on a log scale from %(floor)s to %(ceiling)s") % {
            "value": money(inputs.value),
            "floor": money(weights.revenue_floor),
            "ceiling": money(weights.revenue_ceiling),
        }
    if key == "savings":
        return gettext("%(yearly)s/year × %(years)s years = %(total)s on a log scale from %(floor)s to %(ceiling)s") % {
            "yearly": money(inputs.savings_yearly),
            "years": number_format(weights.savings_years),
            "total": money(scoring.savings_total(inputs, weights)),
            "floor": money(weights.revenue_floor),
            "ceiling": money(weights.revenue_ceiling),
        }
    if key == "risk":
        return gettext("%(value)s of exposure avoided, counted up to %(cap)s") % {
            "value": money(inputs.risk_avoided),
            "cap": money(weights.risk_cap),
        }
    if key == "breadth":
        count = inputs.customers_asking
        return ngettext("%(count)s customer asking", "%(count)s customers asking", count) % {"count": count}
    if key == "urgency":
        days = inputs.days_until_desired
        if days is None:
            return gettext("no desired date")
        return ngettext("%(days)s day until the date", "%(days)s days until the date", days) % {"days": days}
    if key == "strategic":
        tier = inputs.customer_tier
        shown = CustomerTier(tier).label.lower() if tier in CustomerTier.values else gettext("no customer matched")
        return gettext("customer tier: %(tier)s") % {"tier": shown}
    if key == "penalty_disclosure":
        return disclosure_explanation(inputs, weights)
    if key.startswith("penalty_"):
        return gettext("declared by the customer")
    return gettext("the components add up to %(total)s") % {"total": number_format(raw_total, 2)}


def disclosure_item_text(
    *, name: str, is_core_ip: bool, depth: int, covered: bool, exposure: Decimal, weights: scoring.ScoringWeights
) -> str:
    """One plan item's share of the penalty: "Pricing engine (core IP), interface specification: 0,1"."""
    text = gettext("%(component)s, %(depth)s: %(exposure)s") % {
        "component": gettext("%(component)s (core IP)") % {"component": name} if is_core_ip else name,
        "depth": str(DisclosureDepth(depth).label).lower(),
        "exposure": number_format(exposure.normalize()),
    }
    if not covered:
        text += " " + gettext("× %(factor)s, not covered by the agreement") % {
            "factor": number_format(weights.disclosure_uncovered_factor.normalize())
        }
    return text


def disclosure_explanation(inputs: scoring.ScoringInputs, weights: scoring.ScoringWeights) -> str:
    """The disclosure penalty explained item by item, with the points per unit and the cap."""
    items = "; ".join(
        disclosure_item_text(
            name=name, is_core_ip=core, depth=depth, covered=covered, exposure=Decimal(exposure), weights=weights
        )
        for name, core, depth, covered, exposure in inputs.disclosure_items
    )
    return gettext("%(points)s points per unit of exposure × %(exposure)s (%(items)s), at most %(cap)s") % {
        "points": number_format(weights.penalty_disclosure.normalize()),
        "exposure": number_format(scoring.disclosure_exposure(inputs, weights).normalize()),
        "items": items,
        "cap": number_format(weights.penalty_disclosure_cap.normalize()),
    }


def label_shown(key: str, stored: str) -> str:
    """A component's name in the active language, or the stored English for a component this module does not know."""
    return str(LABELS[key]) if key in LABELS else stored


def components_shown(assessment: Assessment) -> list[dict[str, Any]]:
    """The stored components, each with `label` and `explanation` in the active language where it can, and its
    points and weight as numbers."""
    inputs = _inputs(assessment.inputs)
    weights = assessment.scoring_model.weights()
    raw_total = sum(
        (Decimal(str(part.get("points", 0))) for part in assessment.components if part.get("key") != "adjustment"),
        Decimal(0),
    )
    shown = []
    for component in assessment.components:
        key = component.get("key", "")
        text = dict(component)
        # Numbers, not the stored strings, so a page writes them in the reader's format ("14,17" in French).
        for number in ("points", "weight"):
            if text.get(number) is not None:
                text[number] = Decimal(str(text[number]))
        if key in LABELS:
            text["label"] = label_shown(key, text.get("label", ""))
            if inputs is not None:
                text["explanation"] = _explanation(key, inputs, weights, raw_total)
        shown.append(text)
    return shown


def _value_shown(value: object, *, exact: bool = False) -> str:
    """An input as the reader writes numbers; `exact` keeps every decimal (an exposure of 0.105 is not 0.10)."""
    if value is None:
        return gettext("none")
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return str(value)
    if exact:
        return number_format(number.normalize(), force_grouping=True)
    places = 0 if number == number.to_integral_value() else 2
    return number_format(number, decimal_pos=places, force_grouping=True)


def difference_reasons(difference: scoring.ComponentDifference) -> list[str]:
    """What changed under one component of a score comparison, in the reader's language (the page's "Because")."""
    reasons = []
    for kind, name, before, after in difference.changes:
        if kind == "sum":
            reasons.append(gettext("the other components moved the sum across 0 or 100"))
            continue
        if kind == "input":
            what = str(INPUT_TEXT.get(name, name))
        else:
            field = ScoringModelForm.base_fields.get(name)
            label = str(field.label) if field is not None and field.label else name.replace("_", " ")
            what = gettext("model: %(parameter)s") % {"parameter": label[:1].lower() + label[1:]}
        exact = name in EXACT_INPUTS
        reasons.append(f"{what} {_value_shown(before, exact=exact)} → {_value_shown(after, exact=exact)}")
    return reasons
