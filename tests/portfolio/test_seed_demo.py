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
