from django.db import migrations


def grant_webhook_management(apps, schema_editor):
    """The CIO manages webhook endpoints (superusers hold every permission anyway)."""
    from portfolio.roles import roles_ensure

    roles_ensure(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("webhooks", "0001_initial"),
        ("portfolio", "0003_audit_permission"),
    ]
    operations = [migrations.RunPython(grant_webhook_management, migrations.RunPython.noop)]
