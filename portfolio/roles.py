"""The staff roles of DESIGN.md as groups with permissions; every view checks a permission, not a group.

Used by a data migration (with the historical app registry) and by tests after a database flush.
"""

from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.contrib.auth.management import create_permissions

ANALYST = [
    "triage.view_assessment",
    "triage.view_costestimate",
    "triage.add_costestimate",
    "triage.request_information",
    "triage.view_decision",
    "triage.view_scoringmodel",
    "intake.view_changerequest",
    "intake.change_changerequest",
    "intake.change_similardemand",
    "portfolio.view_project",
]
CIO = [
    *ANALYST,
    "triage.decide_changerequest",
    "triage.add_scoringmodel",
    "triage.activate_scoringmodel",
    "triage.add_rescorejob",
    "triage.view_rescorejob",
    "triage.add_quartercapacity",
    "core.view_auditevent",
    "webhooks.manage_webhookendpoint",
]
PORTFOLIO_MANAGER = [
    "triage.view_assessment",
    "intake.view_changerequest",
    "portfolio.view_project",
    "portfolio.change_project",
    "portfolio.add_milestone",
    "portfolio.change_milestone",
    "portfolio.add_statusupdate",
    "portfolio.add_revenuerecord",
]
ROLES = {"Analyst": ANALYST, "CIO": CIO, "Portfolio manager": PORTFOLIO_MANAGER, "API reader": []}


def roles_ensure(apps: Apps = global_apps) -> None:
    """Create the role groups and give them exactly their permissions (idempotent)."""
    for app_config in apps.get_app_configs():
        if app_config.label in ("core", "intake", "triage", "portfolio", "webhooks"):
            app_config.models_module = getattr(app_config, "models_module", None) or True
            create_permissions(app_config, verbosity=0, apps=apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codes in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = []
        for code in codes:
            app_label, codename = code.split(".")
            try:
                permissions.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
            except Permission.DoesNotExist:
                # An early migration runs before the model of a later permission exists; the migration that adds
                # the model grants it (portfolio 0003 and 0006, webhooks 0002). With the live registry, a typo fails.
                if apps is global_apps:
                    raise
        group.permissions.set(permissions)
