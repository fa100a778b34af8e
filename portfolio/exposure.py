"""The exposure register: what projects handed over to partners, read for the portfolio page, the API and webhooks.

A split of portfolio's selectors by concern (portfolio/selectors.py holds the projects'): the page and the API
call the same functions, so they cannot drift apart. Two queries build the whole register whatever its size:
one grouped read of the handovers by partner and component, one of the agreements about to expire.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from core.people import person_name
from partners.choices import CompetitorRisk, DisclosureDepth
from partners.models import Agreement, Partner, ProductComponent
from partners.selectors import AGREEMENT_EXPIRY_NOTICE_DAYS
from portfolio.models import Handover, Project


@dataclass(frozen=True)
class ComponentExposure:
    """One component as one partner holds it: the deepest level handed over, how often, and when last."""

    partner_id: int
    partner_name: str
    competitor_risk: str
    component_id: int
    component_name: str
    product_name: str
    is_core_ip: bool
    depth: int  # the deepest handed over
    handovers: int
    exceptions: int
    last_handed_over_on: date

    @property
    def depth_label(self) -> str:
        return str(DisclosureDepth(self.depth).label)

    @property
    def competitor_risk_label(self) -> str:
        return str(CompetitorRisk(self.competitor_risk).label)


@dataclass
class PartnerExposure:
    """Everything one partner holds, deepest first."""

    partner_id: int
    name: str
    competitor_risk: str
    components: list[ComponentExposure] = field(default_factory=list)

    @property
    def competitor_risk_label(self) -> str:
        return str(CompetitorRisk(self.competitor_risk).label)

    @property
    def core_ip_components(self) -> list[ComponentExposure]:
        return [component for component in self.components if component.is_core_ip]

    @property
    def deepest(self) -> int:
        return max(component.depth for component in self.components)

    @property
    def deepest_label(self) -> str:
        return str(DisclosureDepth(self.deepest).label)

    @property
    def handovers(self) -> int:
        return sum(component.handovers for component in self.components)

    @property
    def exceptions(self) -> int:
        return sum(component.exceptions for component in self.components)


@dataclass
class ComponentHolders:
    """One component and every partner holding it, deepest first."""

    component_id: int
    name: str
    product_name: str
    is_core_ip: bool
    holders: list[ComponentExposure] = field(default_factory=list)

    @property
    def deepest(self) -> int:
        return max(holder.depth for holder in self.holders)

    @property
    def deepest_label(self) -> str:
        return str(DisclosureDepth(self.deepest).label)


def component_exposures() -> list[ComponentExposure]:
    """Per partner and component, the deepest depth handed over: one grouped query, core IP first."""
    rows = (
        Handover.objects.order_by()
        .values(
            "partner_id",
            "partner__name",
            "partner__competitor_risk",
            "component_id",
            "component__name",
            "component__product__name",
            "component__is_core_ip",
        )
        .annotate(
            depth_max=Max("depth"),
            count=Count("pk"),
            exceptions=Count("pk", filter=Q(is_exception=True)),
            last=Max("handed_over_on"),
        )
        .order_by("partner__name", "-component__is_core_ip", "-depth_max", "component__name")
    )
    return [
        ComponentExposure(
            partner_id=row["partner_id"],
            partner_name=row["partner__name"],
            competitor_risk=row["partner__competitor_risk"],
            component_id=row["component_id"],
            component_name=row["component__name"],
            product_name=row["component__product__name"],
            is_core_ip=row["component__is_core_ip"],
            depth=row["depth_max"],
            handovers=row["count"],
            exceptions=row["exceptions"],
            last_handed_over_on=row["last"],
        )
        for row in rows
    ]


def agreements_expiring(
    *, within_days: int = AGREEMENT_EXPIRY_NOTICE_DAYS, today: date | None = None
) -> QuerySet[Agreement]:
    """Agreements still in force that expire within `within_days`, soonest first, with their partner."""
    today = today or timezone.localdate()
    return (
        Agreement.objects.select_related("partner")
        .filter(expires_on__gte=today, expires_on__lte=today + timedelta(days=within_days))
        .order_by("expires_on", "partner__name", "reference")
    )


def exposure_register(*, today: date | None = None) -> dict[str, Any]:
    """The register the portfolio page shows and the API returns: by partner (each with its components), by
    component (each with the partners holding it), the likely competitors that hold core IP, and the agreements
    expiring soon. Two queries."""
    today = today or timezone.localdate()
    partners: dict[int, PartnerExposure] = {}
    for exposure in component_exposures():
        partner = partners.setdefault(
            exposure.partner_id,
            PartnerExposure(
                partner_id=exposure.partner_id, name=exposure.partner_name, competitor_risk=exposure.competitor_risk
            ),
        )
        partner.components.append(exposure)
    by_partner = list(partners.values())
    components: dict[int, ComponentHolders] = {}
    for partner in by_partner:
        for exposure in partner.components:
            components.setdefault(
                exposure.component_id,
                ComponentHolders(
                    component_id=exposure.component_id,
                    name=exposure.component_name,
                    product_name=exposure.product_name,
                    is_core_ip=exposure.is_core_ip,
                ),
            ).holders.append(exposure)
    by_component = sorted(
        components.values(), key=lambda item: (not item.is_core_ip, -item.deepest, item.product_name, item.name)
    )
    for item in by_component:
        item.holders.sort(key=lambda holder: (-holder.depth, holder.partner_name))
    competitors_with_core_ip = [
        partner
        for partner in by_partner
        if partner.competitor_risk == CompetitorRisk.HIGH and partner.core_ip_components
    ]
    expiring = list(agreements_expiring(today=today))
    for agreement in expiring:
        agreement.days_left = (agreement.expires_on - today).days  # type: ignore[attr-defined]
    return {
        "by_partner": by_partner,
        "by_component": by_component,
        "competitors_with_core_ip": competitors_with_core_ip,
        "agreements_expiring": expiring,
        "expiry_notice_days": AGREEMENT_EXPIRY_NOTICE_DAYS,
        "today": today,
    }


def exposure_register_fingerprint() -> dict[str, Any]:
    """What the register is built from, for its ETag: the handovers (append-only: count and newest id), the
    partners', components' and agreements' last changes, and the day (days left and expiry move with it)."""
    handovers = Handover.objects.order_by().aggregate(rows=Count("pk"), newest=Max("pk"))
    partners = Partner.objects.order_by().aggregate(
        partners_latest=Max("updated_at"),
        agreements_latest=Max("agreements__updated_at"),
        agreement_rows=Count("agreements"),
    )
    components = ProductComponent.objects.order_by().aggregate(components_latest=Max("updated_at"))
    return handovers | partners | components | {"today": timezone.localdate()}


def project_handovers(*, project: Project) -> QuerySet[Handover]:
    """A project's handovers, newest first, with what the page and the API print beside each."""
    return (
        Handover.objects.filter(project=project)
        .select_related("component__product", "partner", "agreement", "change_request", "recorded_by", "exception_by")
        .order_by("-handed_over_on", "-pk")
    )


def handover_choices(*, project: Project) -> dict[str, QuerySet]:
    """What a handover form offers: the components of the products the project delivers, the active partners and
    their agreements (the service checks each against the signed plan)."""
    return {
        "component": ProductComponent.objects.filter(product__change_requests__projects=project)
        .select_related("product")
        .distinct()
        .order_by("product__name", "-is_core_ip", "name"),
        "partner": Partner.objects.filter(is_active=True).order_by("name"),
        "agreement": Agreement.objects.select_related("partner").order_by("partner__name", "expires_on"),
    }


def handover_list() -> QuerySet[Handover]:
    """Every handover, newest first, for the API."""
    return Handover.objects.select_related(
        "project", "component__product", "partner", "agreement", "change_request", "recorded_by", "exception_by"
    ).order_by("-handed_over_on", "-pk")


def handover_webhook_payload(
    handover: Handover, *, plan_version: int | None, outside_plan: list[str]
) -> dict[str, Any]:
    """The `data` of `disclosure.outside_plan` (documented in webhooks/schemas.py); built from loaded rows."""
    component, partner, agreement = handover.component, handover.partner, handover.agreement
    return {
        "handover_id": handover.pk,
        "project_code": handover.project.code,
        "reference": handover.change_request.reference,
        "plan_version": plan_version,
        "partner_id": partner.pk,
        "partner": partner.name,
        "competitor_risk": partner.competitor_risk,
        "agreement_reference": agreement.reference,
        "agreement_expires_on": agreement.expires_on,
        "component": component.name,
        "is_core_ip": component.is_core_ip,
        "depth": handover.depth,
        "handed_over_on": handover.handed_over_on,
        "recipient": handover.recipient,
        "outside_plan": outside_plan,
        "exception_reason": handover.exception_reason,
        "accepted_by": person_name(handover.exception_by),
        "url": settings.SITE_URL + reverse("portfolio:detail", kwargs={"code": handover.project.code}),
    }
