"""Partners: who we must reveal parts of a product to, under which agreements, and what each demand's plan reveals.

A product is split into components (a few marked core IP). A demand that needs a partner carries a disclosure
plan, versioned like cost estimates (the latest version counts): the partner, the agreement covering it and, per
component, how deeply it is revealed. The CIO signs off or refuses one exact version; a later version needs its own
sign-off. Nothing here is ever shown to the customer.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel
from intake.models import ChangeRequest, Product
from partners.choices import AgreementKind, CompetitorRisk, DisclosureDepth, PartnerRelationship, SignOffOutcome


class Partner(BaseModel):
    """A company we build with, that a customer chooses or the market requires, and may compete with us later."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    country = models.CharField(_("country"), max_length=100)
    relationship = models.CharField(_("relationship"), max_length=20, choices=PartnerRelationship.choices)
    competitor_risk = models.CharField(_("competitor risk"), max_length=10, choices=CompetitorRisk.choices)
    competitor_risk_reason = models.CharField(_("why this risk"), max_length=300)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner")
        verbose_name_plural = _("partners")

    def __str__(self) -> str:
        return self.name


class Agreement(BaseModel):
    """An agreement in force with a partner (NDA, licence, source escrow), with its reference and expiry."""

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="agreements")
    kind = models.CharField(_("kind"), max_length=20, choices=AgreementKind.choices)
    reference = models.CharField(_("reference"), max_length=100)
    starts_on = models.DateField(_("in force from"))
    expires_on = models.DateField(_("expires on"))

    class Meta:
        ordering = ["partner", "expires_on"]
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        constraints = [
            models.UniqueConstraint(fields=["partner", "reference"], name="agreement_reference_per_partner"),
            models.CheckConstraint(condition=Q(expires_on__gt=models.F("starts_on")), name="agreement_dates_order"),
        ]
        indexes = [models.Index(fields=["expires_on"], name="agreement_expiry_idx")]

    def __str__(self) -> str:
        return f"{self.reference} ({self.get_kind_display()})"


class ProductComponent(BaseModel):
    """A part of a product that can be revealed to a partner; a few are the company's core IP."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="components")
    name = models.CharField(_("name"), max_length=200)
    is_core_ip = models.BooleanField(_("core IP"), default=False)
    description = models.CharField(_("description"), max_length=500, blank=True)

    class Meta:
        ordering = ["product", "-is_core_ip", "name"]
        verbose_name = _("product component")
        verbose_name_plural = _("product components")
        constraints = [models.UniqueConstraint(fields=["product", "name"], name="component_name_per_product")]

    def __str__(self) -> str:
        return f"{self.product} / {self.name}"


class DisclosurePlan(BaseModel):
    """One version of what a demand would reveal to a partner; the highest version is the plan in force."""

    change_request = models.ForeignKey(ChangeRequest, on_delete=models.CASCADE, related_name="disclosure_plans")
    version = models.PositiveIntegerField()
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="disclosure_plans")
    # The agreement covering the disclosure; none means uncovered, which the penalty weighs more.
    agreement = models.ForeignKey(
        Agreement, null=True, blank=True, on_delete=models.PROTECT, related_name="disclosure_plans"
    )
    note = models.TextField(_("note"), max_length=5_000, blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # SHA-256 of what the plan reveals (partner, agreement, component → depth): a sign-off is of this exact content.
    content_hash = models.CharField(max_length=64, editable=False)

    class Meta:
        ordering = ["change_request", "-version"]
        verbose_name = _("disclosure plan")
        verbose_name_plural = _("disclosure plans")
        constraints = [
            models.UniqueConstraint(fields=["change_request", "version"], name="disclosure_plan_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.change_request_id} plan v{self.version}"


class DisclosureItem(models.Model):
    """One component of a plan and how deeply it is revealed."""

    plan = models.ForeignKey(DisclosurePlan, on_delete=models.CASCADE, related_name="items")
    component = models.ForeignKey(ProductComponent, on_delete=models.PROTECT, related_name="disclosure_items")
    depth = models.PositiveSmallIntegerField(_("depth"), choices=DisclosureDepth.choices)

    class Meta:
        ordering = ["plan", "-depth", "component"]
        constraints = [models.UniqueConstraint(fields=["plan", "component"], name="disclosure_item_once_per_plan")]

    def __str__(self) -> str:
        return f"{self.component} at {self.get_depth_display()}"


class PlanSignOff(models.Model):
    """The CIO's sign-off or refusal of one exact plan version: one per version, the first one wins."""

    plan = models.OneToOneField(DisclosurePlan, on_delete=models.CASCADE, related_name="sign_off")
    outcome = models.CharField(max_length=20, choices=SignOffOutcome.choices)
    reason = models.TextField(_("reason"), max_length=5_000, blank=True)
    content_hash = models.CharField(max_length=64, editable=False)  # the plan's, when signed
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("plan sign-off")
        verbose_name_plural = _("plan sign-offs")
        permissions = [("sign_off_disclosureplan", "Can sign off or refuse disclosure plans")]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} {self.plan}"
