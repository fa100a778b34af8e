"""The demo data gives the payoff pages something to show, and a second run adds nothing."""

import pytest
from django.core.management import call_command
from django.db.models import Sum

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
        history = RevenueRecord.objects.filter(project=project).aggregate(total=Sum("amount"))["total"] or 0
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
