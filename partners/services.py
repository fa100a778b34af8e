"""Writes of the partner register and the disclosure plans: proposing a version, the CIO's sign-off or refusal."""

import hashlib
import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from core import roles
from core.choices import AuditAction
from core.exceptions import ApplicationError
from core.formats import datetime_display
from core.people import person_name
from core.services import audit_record
from intake.choices import EventVisibility
from intake.models import ChangeRequest, Product
from intake.services import change_request_scoring_request, status_event_record
from partners.choices import SignOffOutcome
from partners.models import Agreement, DisclosureItem, DisclosurePlan, Partner, PlanSignOff, ProductComponent
from partners.selectors import disclosure_plan_sign_off_status
from webhooks.choices import EventType
from webhooks.services import webhook_event_publish


class DisclosurePlanConflict(ApplicationError):
    """The plan cannot be changed or decided in the state it is in (decided demand, older version, decided plan)."""


class SignOffNotAllowed(ApplicationError):
    """This person may not sign off or refuse this plan (not the CIO, or they proposed it)."""

    code = "permission_denied"
    status = 403


class SignOffAlreadyDecided(DisclosurePlanConflict):
    """Someone signed off or refused this version first."""


class DisclosureNotSignedOff(ApplicationError):
    """The demand's plan reveals core IP and its exact content is not signed off: it cannot be approved."""

    code = "disclosure_not_signed_off"
    status = 400


@transaction.atomic
def partner_create(
    *,
    name: str,
    country: str,
    relationship: str,
    competitor_risk: str,
    competitor_risk_reason: str,
    agreements: list[dict[str, Any]],
    actor: User | None = None,
) -> Partner:
    """Enter a partner in the register with its agreements (kind, reference, starts_on, expires_on): at least one."""
    if not agreements:
        raise ValidationError(
            {"agreements": gettext("A partner enters the register with the agreement in force with it: add one.")}
        )
    partner = Partner(
        name=name.strip(),
        country=country.strip(),
        relationship=relationship,
        competitor_risk=competitor_risk,
        competitor_risk_reason=competitor_risk_reason.strip(),
    )
    partner.full_clean()
    partner.save()
    for agreement in agreements:
        agreement_add(partner=partner, actor=actor, **agreement)
    return partner


@transaction.atomic
def agreement_add(
    *, partner: Partner, kind: str, reference: str, starts_on: date, expires_on: date, actor: User | None = None
) -> Agreement:
    """Record an agreement with a partner; the dates must be in order and the reference new for this partner."""
    agreement = Agreement(
        partner=partner, kind=kind, reference=reference.strip(), starts_on=starts_on, expires_on=expires_on
    )
    if starts_on and expires_on and expires_on <= starts_on:
        raise ValidationError({"expires_on": gettext("An agreement expires after the day it comes into force.")})
    agreement.full_clean()
    agreement.save()
    return agreement


@transaction.atomic
def component_create(*, product: Product, name: str, is_core_ip: bool, description: str = "") -> ProductComponent:
    """Add a component to a product's list (a few are core IP); a name is used once per product."""
    component = ProductComponent(product=product, name=name.strip(), is_core_ip=is_core_ip, description=description)
    component.full_clean()
    component.save()
    return component


def plan_content_hash(*, partner_id: int, agreement_id: int | None, items: Sequence[tuple[int, int]]) -> str:
    """SHA-256 of what a plan reveals: the partner, the agreement and each (component id, depth), in order."""
    content = {"partner": partner_id, "agreement": agreement_id, "items": sorted([c, d] for c, d in items)}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def _plan_errors(
    *,
    change_request: ChangeRequest,
    partner: Partner,
    agreement: Agreement | None,
    items: Sequence[tuple[ProductComponent, int]],
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not partner.agreements.exists():
        errors.setdefault("partner", []).append(
            gettext("%(partner)s has no agreement in the register: record one before planning a disclosure.")
            % {"partner": partner.name}
        )
    if agreement is not None and agreement.partner_id != partner.pk:
        errors.setdefault("agreement", []).append(
            gettext("Agreement %(reference)s is with %(other)s, not %(partner)s.")
            % {"reference": agreement.reference, "other": agreement.partner.name, "partner": partner.name}
        )
    if not items:
        errors.setdefault("items", []).append(gettext("Choose at least one component to reveal, and how deeply."))
    seen: set[int] = set()
    for component, depth in items:
        if component.product_id != change_request.product_id:
            errors.setdefault("items", []).append(
                gettext("%(component)s is a component of %(other)s, not of %(product)s.")
                % {"component": component.name, "other": component.product.name, "product": change_request.product}
            )
        if component.pk in seen:
            errors.setdefault("items", []).append(
                gettext("%(component)s is listed twice.") % {"component": component.name}
            )
        seen.add(component.pk)
        if depth not in {value for value, _label in DisclosureItem._meta.get_field("depth").flatchoices}:
            errors.setdefault("items", []).append(gettext("%(depth)s is not a depth of disclosure.") % {"depth": depth})
    return errors


@transaction.atomic
def disclosure_plan_propose(
    *,
    change_request: ChangeRequest,
    partner: Partner,
    agreement: Agreement | None,
    items: Sequence[tuple[ProductComponent, int]],
    note: str = "",
    actor: User,
) -> DisclosurePlan:
    """Record the next version of a demand's disclosure plan; the demand is rescored once it commits.

    The demand's row is locked, so two proposals number their versions one after the other and a sign-off
    (which takes the same lock) always decides the version it read as current.
    """
    demand = ChangeRequest.objects.select_for_update().get(pk=change_request.pk)
    if demand.is_decided:
        raise DisclosurePlanConflict(
            gettext("%(reference)s is already decided: its disclosure plan can no longer change.")
            % {"reference": demand.reference}
        )
    errors = _plan_errors(change_request=demand, partner=partner, agreement=agreement, items=items)
    if errors:
        raise ValidationError(errors)
    latest = DisclosurePlan.objects.filter(change_request=demand).order_by("-version").first()
    plan = DisclosurePlan(
        change_request=demand,
        version=(latest.version + 1) if latest else 1,
        partner=partner,
        agreement=agreement,
        note=note.strip(),
        proposed_by=actor,
        content_hash=plan_content_hash(
            partner_id=partner.pk,
            agreement_id=agreement.pk if agreement else None,
            items=[(component.pk, depth) for component, depth in items],
        ),
    )
    plan.full_clean()
    plan.save()
    DisclosureItem.objects.bulk_create(
        [DisclosureItem(plan=plan, component=component, depth=depth) for component, depth in items]
    )
    status_event_record(
        change_request=demand,
        actor=actor,
        note_key="disclosure_proposed",
        # The partner is named in the plan and the audit, read by who reads the register, not on the timeline.
        note_params={"version": plan.version},
        visibility=EventVisibility.INTERNAL,
    )
    audit_record(
        action=AuditAction.DISCLOSURE_PLAN,
        actor=actor,
        obj=plan,
        reference=demand.reference,
        details={
            "version": plan.version,
            "partner": partner.name,
            "agreement": agreement.reference if agreement else None,
            "items": {component.name: depth for component, depth in items},
            "content_hash": plan.content_hash,
        },
    )
    change_request_scoring_request(change_request_id=demand.pk)
    return plan


def _sign_off_decide(*, plan: DisclosurePlan, actor: User, outcome: str, reason: str) -> PlanSignOff:
    if not actor.has_perm(roles.SIGN_OFF_DISCLOSURE):
        raise SignOffNotAllowed(gettext("Only the CIO signs off or refuses a disclosure plan."))
    if plan.proposed_by_id is not None and plan.proposed_by_id == actor.pk:
        raise SignOffNotAllowed(gettext("You proposed this plan: someone else must sign it off or refuse it."))
    demand = ChangeRequest.objects.select_for_update().get(pk=plan.change_request_id)
    current = DisclosurePlan.objects.filter(change_request=demand).order_by("-version").first()
    if current is None or current.pk != plan.pk:
        raise DisclosurePlanConflict(
            gettext("Version %(version)s is no longer the current plan of %(reference)s (version %(current)s is).")
            % {"version": plan.version, "reference": demand.reference, "current": current.version if current else "?"}
        )
    existing = PlanSignOff.objects.select_related("decided_by").filter(plan=plan).first()
    if existing is None:
        try:
            with transaction.atomic():
                sign_off = PlanSignOff.objects.create(
                    plan=plan, outcome=outcome, reason=reason, content_hash=plan.content_hash, decided_by=actor
                )
        except IntegrityError:
            existing = PlanSignOff.objects.select_related("decided_by").get(plan=plan)
    if existing is not None:
        raise SignOffAlreadyDecided(
            gettext("Version %(version)s of this plan was already %(outcome)s by %(who)s at %(when)s.")
            % {
                "version": plan.version,
                "outcome": SignOffOutcome(existing.outcome).label.lower(),
                "who": person_name(existing.decided_by) or "?",
                "when": datetime_display(existing.created_at),
            },
            extra={"decided_by": person_name(existing.decided_by), "outcome": existing.outcome},
        )
    signed = outcome == SignOffOutcome.SIGNED_OFF
    status_event_record(
        change_request=demand,
        actor=actor,
        note_key="disclosure_signed_off" if signed else "disclosure_refused",
        note_params={"version": plan.version, "reason": reason} if not signed else {"version": plan.version},
        visibility=EventVisibility.INTERNAL,
    )
    audit_record(
        action=AuditAction.DISCLOSURE_SIGN_OFF,
        actor=actor,
        obj=plan,
        reference=demand.reference,
        details={"version": plan.version, "outcome": outcome, "reason": reason, "content_hash": plan.content_hash},
    )
    if signed:
        webhook_event_publish(
            event_type=EventType.DISCLOSURE_SIGNED_OFF, payload=disclosure_webhook_payload(plan, sign_off)
        )
    return sign_off


@transaction.atomic
def disclosure_plan_sign_off(*, plan: DisclosurePlan, actor: User, reason: str = "") -> PlanSignOff:
    """The CIO signs off this exact version (not its proposer); of two deciding at once one wins, the other is told."""
    return _sign_off_decide(plan=plan, actor=actor, outcome=SignOffOutcome.SIGNED_OFF, reason=reason.strip())


@transaction.atomic
def disclosure_plan_refuse(*, plan: DisclosurePlan, actor: User, reason: str) -> PlanSignOff:
    """The CIO refuses this version, saying why; a narrower version may be proposed next."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": gettext("Say why the plan is refused, so a narrower one can be proposed.")})
    return _sign_off_decide(plan=plan, actor=actor, outcome=SignOffOutcome.REFUSED, reason=reason)


def disclosure_approval_check(*, change_request: ChangeRequest) -> None:
    """Refuse the approval of a demand whose current plan reveals core IP without a sign-off of its exact content."""
    status = disclosure_plan_sign_off_status(change_request)
    if status.blocks_approval and status.plan is not None:
        raise DisclosureNotSignedOff(
            gettext(
                "%(reference)s cannot be approved: version %(version)s of its disclosure plan reveals core IP "
                "and is not signed off by the CIO (%(state)s)."
            )
            % {"reference": change_request.reference, "version": status.plan.version, "state": status.state.label},
            extra={"plan_version": status.plan.version, "sign_off": status.state.value},
        )


def disclosure_webhook_payload(plan: DisclosurePlan, sign_off: PlanSignOff) -> dict[str, Any]:
    """The `disclosure.signed_off` event's data: which demand, which version, what it reveals, who signed."""
    from django.conf import settings
    from django.urls import reverse

    items = plan.items.select_related("component").order_by("-depth", "component__name")
    return {
        "reference": plan.change_request.reference,
        "plan_version": plan.version,
        "content_hash": plan.content_hash,
        "partner_id": plan.partner_id,
        "partner": plan.partner.name,
        "competitor_risk": plan.partner.competitor_risk,
        "agreement_reference": plan.agreement.reference if plan.agreement else None,
        "agreement_expires_on": plan.agreement.expires_on if plan.agreement else None,
        "items": [
            {"component": item.component.name, "is_core_ip": item.component.is_core_ip, "depth": item.depth}
            for item in items
        ],
        "signed_off_by": person_name(sign_off.decided_by),
        "signed_off_at": sign_off.created_at or timezone.now(),
        "url": settings.SITE_URL.rstrip("/")
        + reverse("triage:detail", kwargs={"reference": plan.change_request.reference}),
    }
