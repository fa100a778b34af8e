"""The staff roles of DESIGN.md as groups with permissions, and the name of every permission a check uses.

Every view, service and DRF permission checks one of these constants, never a group and never a string typed
again. `ROLES` is what each role holds today; `roles_ensure()` makes the groups hold exactly that (tests call it
after a database flush, `seed_demo` before it creates the demo users).

Migrations never import this module: a migration's meaning must not change when the roles change later, so each
data migration holds the literal permissions it grants and calls `core.migration_support.permissions_grant`.
A test (tests/core/test_roles.py) checks that the migrations, applied from an empty database, give each group
exactly `ROLES`: a new permission needs both a line here and a migration that grants it.
"""

from collections.abc import Iterable
from typing import Any

from django.apps import apps as global_apps
from django.apps.registry import Apps

from core.migration_support import permissions_create, permissions_named

# Intake
VIEW_DEMAND = "intake.view_changerequest"  # a demand through the API
VIEW_CONTACT = "intake.view_contact_details"  # the customer contact's name and e-mail, on pages and in the API
VIEW_ATTACHMENT = "intake.view_attachment"  # the files a customer attached, listed and downloaded
CHANGE_DEMAND = "intake.change_changerequest"  # assign the customer; own demands and assign their owner
LINK_SIMILAR = "intake.change_similardemand"
# Triage
VIEW_ASSESSMENT = "triage.view_assessment"  # the triage pages
VIEW_ESTIMATE = "triage.view_costestimate"
ADD_ESTIMATE = "triage.add_costestimate"  # estimate, retry scoring
REQUEST_INFORMATION = "triage.request_information"
VIEW_DECISION = "triage.view_decision"
DECIDE = "triage.decide_changerequest"
VIEW_SCORING_MODEL = "triage.view_scoringmodel"
ADD_SCORING_MODEL = "triage.add_scoringmodel"  # save new weights as the next version
ACTIVATE_SCORING_MODEL = "triage.activate_scoringmodel"
START_RESCORE = "triage.add_rescorejob"
VIEW_RESCORE = "triage.view_rescorejob"
SET_CAPACITY = "triage.add_quartercapacity"
SET_DECISION_TARGETS = "triage.change_decisiontarget"
# Portfolio
VIEW_PROJECT = "portfolio.view_project"
CHANGE_PROJECT = "portfolio.change_project"
ADD_MILESTONE = "portfolio.add_milestone"
CHANGE_MILESTONE = "portfolio.change_milestone"
ADD_STATUS_UPDATE = "portfolio.add_statusupdate"
RECORD_REVENUE = "portfolio.add_revenuerecord"
RECORD_UNIT_COST = "portfolio.add_unitcostrecord"  # a service's cost per unit of work, month by month
# Partners and disclosure
VIEW_PARTNERS = "partners.view_partner"  # the partner register and a demand's disclosure plans
MANAGE_PARTNERS = "partners.add_partner"  # enter partners, their agreements and the products' components
PROPOSE_DISCLOSURE = "partners.add_disclosureplan"  # propose a new version of a demand's disclosure plan
SIGN_OFF_DISCLOSURE = "partners.sign_off_disclosureplan"  # sign off or refuse a plan (never one's own)
RECORD_HANDOVER = "portfolio.add_handover"  # what a project handed over to a partner, checked against the plan
# Core and webhooks
VIEW_AUDIT = "core.view_auditevent"
MANAGE_WEBHOOKS = "webhooks.manage_webhookendpoint"

ANALYST = [
    VIEW_ASSESSMENT,
    VIEW_ESTIMATE,
    ADD_ESTIMATE,
    REQUEST_INFORMATION,
    VIEW_DECISION,
    VIEW_SCORING_MODEL,
    VIEW_DEMAND,
    VIEW_CONTACT,
    VIEW_ATTACHMENT,
    CHANGE_DEMAND,
    LINK_SIMILAR,
    VIEW_PROJECT,
    VIEW_PARTNERS,
    MANAGE_PARTNERS,
    PROPOSE_DISCLOSURE,
]
CIO = [
    *ANALYST,
    SIGN_OFF_DISCLOSURE,
    DECIDE,
    ADD_SCORING_MODEL,
    ACTIVATE_SCORING_MODEL,
    START_RESCORE,
    VIEW_RESCORE,
    SET_CAPACITY,
    SET_DECISION_TARGETS,
    VIEW_AUDIT,
    MANAGE_WEBHOOKS,
    RECORD_HANDOVER,
]
# Reads triage and the demands behind projects, but not who the customer's contact is nor what they attached
# (docs/roles.md): a deployment that wants otherwise grants VIEW_CONTACT / VIEW_ATTACHMENT to the group.
PORTFOLIO_MANAGER = [
    VIEW_ASSESSMENT,
    VIEW_DEMAND,
    VIEW_PROJECT,
    CHANGE_PROJECT,
    ADD_MILESTONE,
    CHANGE_MILESTONE,
    ADD_STATUS_UPDATE,
    RECORD_REVENUE,
    RECORD_UNIT_COST,
    VIEW_PARTNERS,
    RECORD_HANDOVER,
]
ROLES: dict[str, list[str]] = {"Analyst": ANALYST, "CIO": CIO, "Portfolio manager": PORTFOLIO_MANAGER, "API reader": []}
# The roles that work in the staff pages; "API reader" is for the users behind API tokens, who are not staff.
STAFF_ROLES = frozenset({"Analyst", "CIO", "Portfolio manager"})


def landing_url_name(user: Any) -> str:
    """Where a person lands after signing in: whoever triages (estimates or decides) the queue, a portfolio
    manager the portfolio, anyone else the home page. By permission, so a custom group lands where it works."""
    if user.has_perm(ADD_ESTIMATE) or user.has_perm(DECIDE):
        return "triage:queue"
    if user.has_perm(VIEW_PROJECT):
        return "portfolio:list"
    return "triage:queue" if user.has_perm(VIEW_ASSESSMENT) else "home"


def roles_ensure(apps: Apps = global_apps) -> None:
    """Create the role groups and give them exactly the permissions of `ROLES` (idempotent)."""
    permissions_create(apps)
    Group = apps.get_model("auth", "Group")
    for name, codes in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(permissions_named(apps, codes))


def group_roles_parse(text: str) -> dict[str, frozenset[str]]:
    """The identity provider's groups and the roles they give, from `"dd-cio=CIO,dd-analysts=Analyst"`.

    A group may be listed twice to give two roles. A role that `ROLES` does not define is a ValueError naming it,
    so a typo in the deployment's settings is caught by `manage.py check`, not by a user who finds no access.
    """
    mapping: dict[str, set[str]] = {}
    for entry in (part.strip() for part in text.split(",")):
        if not entry:
            continue
        group, separator, role = (piece.strip() for piece in entry.rpartition("="))
        if not separator or not group or not role:
            raise ValueError(f"{entry!r} is not group=role")
        if role not in ROLES:
            raise ValueError(f"{role!r} is not a role; the roles are {', '.join(sorted(ROLES))}")
        mapping.setdefault(group, set()).add(role)
    return {group: frozenset(roles) for group, roles in mapping.items()}


def roles_for_groups(groups: Iterable[str], mapping: dict[str, frozenset[str]]) -> frozenset[str]:
    """The roles a member of these provider groups holds: the union of what each mapped group gives."""
    return frozenset(role for group in groups for role in mapping.get(group, ()))
