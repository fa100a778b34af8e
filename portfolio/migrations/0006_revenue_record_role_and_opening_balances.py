from django.db import migrations
from django.utils import timezone


def grant_and_open(apps, schema_editor):
    """Portfolio managers may record revenue; a project that already had realized revenue (typed into the
    former progress form) gets one opening record, so its total stays the sum of its history."""
    from core.migration_support import permissions_grant

    permissions_grant(apps, {"Portfolio manager": ["portfolio.add_revenuerecord"]})
    Project = apps.get_model("portfolio", "Project")
    RevenueRecord = apps.get_model("portfolio", "RevenueRecord")
    opening = [
        RevenueRecord(
            project_id=project_id,
            period=timezone.localtime(updated_at).date().replace(day=1),
            amount=realized_revenue,
            note="Opening balance: realized revenue recorded before the revenue history existed.",
            recorded_by=None,
        )
        for project_id, realized_revenue, updated_at in Project.objects.filter(realized_revenue__gt=0)
        .values_list("pk", "realized_revenue", "updated_at")
        .iterator(chunk_size=2000)
    ]
    RevenueRecord.objects.bulk_create(opening, batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [
        ("portfolio", "0005_revenue_record"),
    ]
    operations = [migrations.RunPython(grant_and_open, migrations.RunPython.noop)]
