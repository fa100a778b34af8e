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
