"""The vocabulary of partners and disclosure: one definition each, read by models, forms, scoring and the API."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PartnerRelationship(models.TextChoices):
    RESELLER = "reseller", _("Reseller")
    INTEGRATOR = "integrator", _("Integrator")
    JOINT_VENTURE = "joint_venture", _("State-required joint venture")
    TECHNOLOGY = "technology", _("Technology partner")
    SUBCONTRACTOR = "subcontractor", _("Subcontractor")
    OTHER = "other", _("Other")


class CompetitorRisk(models.TextChoices):
    """How likely the partner is to compete with us with what it learns: HIGH reads "likely competitor"."""

    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("Likely competitor")


class AgreementKind(models.TextChoices):
    NDA = "nda", _("Non-disclosure agreement")
    LICENCE = "licence", _("Licence")
    SOURCE_ESCROW = "source_escrow", _("Source escrow")


class DisclosureDepth(models.IntegerChoices):
    """How deeply a component is revealed, from least to most: the order is the scale the penalty grows on."""

    INTERFACE_SPEC = 1, _("Interface specification")
    BINARIES = 2, _("Binaries")
    SOURCE_ESCROW = 3, _("Source under escrow")
    SOURCE_READ_ONLY = 4, _("Source, read-only")
    SOURCE_MODIFY = 5, _("Source with modification rights")


class SignOffOutcome(models.TextChoices):
    SIGNED_OFF = "signed_off", _("Signed off")
    REFUSED = "refused", _("Refused")


# The exposure of one plan item (model v3): depth factor × sensitivity × partner risk × agreement factor.
# One definition each, read by triage/scoring.py (pure), its SQL twin and the least-disclosure suggestion.
DEPTH_FACTORS: dict[int, str] = {
    DisclosureDepth.INTERFACE_SPEC: "0.1",
    DisclosureDepth.BINARIES: "0.25",
    DisclosureDepth.SOURCE_ESCROW: "0.4",
    DisclosureDepth.SOURCE_READ_ONLY: "0.7",
    DisclosureDepth.SOURCE_MODIFY: "1.0",
}
# How sensitive a component is: the company's core IP counts fully, any other component less than a third.
SENSITIVITY_CORE_IP = "1.0"
SENSITIVITY_OTHER = "0.3"
COMPETITOR_RISK_FACTORS: dict[str, str] = {
    CompetitorRisk.LOW: "0.3",
    CompetitorRisk.MEDIUM: "0.6",
    CompetitorRisk.HIGH: "1.0",
}
# The deepest disclosure each kind of agreement covers: an NDA protects specifications and binaries, an escrow
# agreement source held in escrow, a licence any depth (it says what the partner may do with the source). A
# deeper item, an agreement not in force on the scoring date or no agreement at all leaves the item uncovered.
AGREEMENT_COVERS_UP_TO: dict[str, int] = {
    AgreementKind.NDA: DisclosureDepth.BINARIES,
    AgreementKind.SOURCE_ESCROW: DisclosureDepth.SOURCE_ESCROW,
    AgreementKind.LICENCE: DisclosureDepth.SOURCE_MODIFY,
}


class SignOffState(models.TextChoices):
    """Where a demand's current disclosure plan stands with the CIO."""

    NO_PLAN = "no_plan", _("No disclosure plan")
    NOT_REQUIRED = "not_required", _("No core IP: no sign-off needed")
    PENDING = "pending", _("Waiting for the CIO’s sign-off")
    SIGNED_OFF = "signed_off", _("Signed off")
    REFUSED = "refused", _("Refused")
    SUPERSEDED = "superseded", _("Signed version superseded: this version needs its own sign-off")
