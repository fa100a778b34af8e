from django.db import migrations


def grant_audit_view(apps, schema_editor):
    from core.migration_support import permissions_grant

    permissions_grant(apps, {"CIO": ["core.view_auditevent"]})


class Migration(migrations.Migration):
    dependencies = [
        ("portfolio", "0002_roles"),
        ("core", "0003_audit_event"),
    ]
    operations = [migrations.RunPython(grant_audit_view, migrations.RunPython.noop)]
