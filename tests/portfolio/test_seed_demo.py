"""The demo data gives the payoff pages something to show, and a second run adds nothing."""

import pytest
from django.core.management import call_command
from django.db.models import Sum

from intake.models import ChangeRequest
from portfolio.calibration import calibration_report
from portfolio.models import Project, RevenueRecord


@pytest.mark.embedded
@pytest.mark.django_db(transaction=True)
def test_demo_projects_have_a_revenue_history_the_calibration_can_read_and_a_rerun_adds_nothing():
    call_command("seed_demo", "--force", verbosity=0)
    records = RevenueRecord.objects.count()
    assert records > 10
    assert Project.objects.filter(status="delivered").count() >= 3
    for project in Project.objects.all():
        history = (
            RevenueRecord.objects.filter(project=project, kind="revenue").aggregate(total=Sum("amount"))["total"] or 0
        )
        assert project.realized_revenue == history, project.code
    bands = {band["key"]: band for band in calibration_report()["bands"]}
    assert bands["review"]["realization_total"] > bands["fast_track"]["realization_total"]

    call_command("seed_demo", "--force", verbosity=0)
    assert RevenueRecord.objects.count() == records


@pytest.mark.embedded
@pytest.mark.django_db(transaction=True)
def test_the_demo_has_a_conversation_and_says_where_e_mails_go(settings):
    from io import StringIO

    from intake.models import ChangeRequest, Comment

    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
    out = StringIO()
    call_command("seed_demo", "--force", stdout=out)
    demand = ChangeRequest.objects.get(title="Fuel card integration with Shell")
    kinds = list(Comment.objects.filter(change_request=demand).values_list("kind", "source"))
    assert kinds == [("customer", "web"), ("reply", "web"), ("note", "web"), ("customer", "email")]
    assert [user.username for user in Comment.objects.get(kind="note").mentions.all()] == ["cio"]
    assert demand.customer_replied_at is not None  # the queue shows "customer replied"
    printed = out.getvalue()
    assert "E-mails of this command (the demo data's): discarded (EMAIL_URL=dummymail://" in printed
    assert "Replies go to demands@example.com" in printed and "A conversation" in printed


@pytest.mark.embedded
@pytest.mark.django_db(transaction=True)
def test_demo_internal_units_rank_where_their_savings_put_them_under_model_v2():
    from intake.models import ChangeRequest, Customer
    from portfolio.management.commands.seed_demo import INTERNAL_DEMANDS, INTERNAL_UNITS
    from triage.models import ScoringModel

    call_command("seed_demo", "--force", verbosity=0)
    assert set(Customer.objects.filter(kind="internal").values_list("name", flat=True)) == {
        name for name, *_ in INTERNAL_UNITS
    }
    active = ScoringModel.objects.get(is_active=True)
    # v3 (issue 18) scores disclosure plans; it keeps v2's savings years, so the ranking below is v2's.
    assert (active.version, active.savings_years, active.penalty_disclosure) == (3, 3, 15)
    assert ScoringModel.objects.get(version=1).assessments.exists()  # v1 kept with its assessments
    titles = [title for title, *_ in INTERNAL_DEMANDS]
    demands = list(ChangeRequest.objects.filter(title__in=titles).order_by("-score"))
    assert [demand.title for demand in demands] == titles  # listed from the most saved to the least
    assert [demand.yearly_savings for demand in demands] == sorted(
        (demand.yearly_savings for demand in demands), reverse=True
    )
    top = demands[0]
    assert top.agenda == "it" and top.customer.name == "Customer Service"
    assert top.score_band == "fast_track"
    savings = next(c for c in top.assessments.latest("created_at").components if c["key"] == "savings")
    assert savings["explanation"].startswith("405,000/year × 3.0 years = 1,215,000")


@pytest.mark.embedded
@pytest.mark.django_db(transaction=True)
def test_demo_service_unit_cost_falls_after_its_project_is_delivered():
    from intake.models import Product
    from portfolio.models import UnitCostRecord

    call_command("seed_demo", "--force", verbosity=0)
    billing = Product.objects.get(name="Billing Cloud")
    costs = list(
        UnitCostRecord.objects.filter(service=billing).order_by("period").values_list("cost_per_unit", flat=True)
    )
    assert len(costs) == 8 and costs[-1] < costs[0] / 2
    project = Project.objects.get(target_unit_cost__isnull=False)
    assert (project.agenda, project.status, project.realized_savings) == ("it", "delivered", 84000)
    call_command("seed_demo", "--force", verbosity=0)
    assert UnitCostRecord.objects.filter(service=billing).count() == 8


@pytest.mark.embedded
@pytest.mark.django_db(transaction=True)
def test_the_demo_gives_every_demand_an_owner_cio_unread_notifications_and_a_saved_view_and_a_rerun_adds_none():
    from intake.models import ChangeRequest
    from notifications.models import Notification
    from triage.models import SavedView

    call_command("seed_demo", "--force", verbosity=0)
    assert not ChangeRequest.objects.filter(owner__isnull=True).exists()
    assert set(ChangeRequest.objects.values_list("owner__username", flat=True)) == {"analyst", "cio"}
    unread = Notification.objects.filter(recipient__username="cio", read_at__isnull=True).count()
    assert unread >= 3
    assert SavedView.objects.filter(owner__username="cio", is_shared=True).exists()
    notifications, views = Notification.objects.count(), SavedView.objects.count()

    call_command("seed_demo", "--force", verbosity=0)
    assert (Notification.objects.count(), SavedView.objects.count()) == (notifications, views)


@pytest.mark.embedded
@pytest.mark.django_db(transaction=True)
def test_demo_sovereign_edition_plan_refused_then_narrower_one_signed_off_and_handovers_follow_it():
    from partners.choices import SignOffState
    from partners.models import DisclosurePlan, Partner
    from partners.selectors import disclosure_plan_sign_off_status
    from portfolio.exposure import exposure_register
    from portfolio.management.demo_partners import JOINT_VENTURE, PENDING_DEMAND, SOVEREIGN_DEMAND
    from portfolio.models import Handover

    call_command("seed_demo", "--force", verbosity=0)
    demand = ChangeRequest.objects.get(title=SOVEREIGN_DEMAND)
    assert demand.status == "approved" and demand.customer.tier == "strategic"
    versions = list(DisclosurePlan.objects.filter(change_request=demand).order_by("version"))
    assert [plan.sign_off.outcome for plan in versions] == ["refused", "signed_off"]
    assert max(item.depth for item in versions[0].items.all()) == 5  # v1 gave source with modification rights
    assert max(item.depth for item in versions[1].items.all()) == 3  # v2: interface spec and escrow at most
    handovers = Handover.objects.filter(change_request=demand)
    assert handovers.count() == 3 and not handovers.filter(is_exception=True).exists()
    partner = Partner.objects.get(name=JOINT_VENTURE)
    assert partner.competitor_risk == "high" and partner.relationship == "joint_venture"
    register = exposure_register()
    assert [p.name for p in register["competitors_with_core_ip"]] == [JOINT_VENTURE]
    assert [a.partner.name for a in register["agreements_expiring"]] == [JOINT_VENTURE]
    pending = ChangeRequest.objects.get(title=PENDING_DEMAND)
    assert disclosure_plan_sign_off_status(pending).state == SignOffState.PENDING

    call_command("seed_demo", "--force", verbosity=0)
    assert Handover.objects.count() == 3 and DisclosurePlan.objects.count() == 3
