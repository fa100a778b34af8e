from django.db import migrations


def grant_audit_view(apps, schema_editor):
    from portfolio.roles import roles_ensure

    roles_ensure(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("portfolio", "0002_roles"),
        ("core", "0003_audit_event"),
    ]
    operations = [migrations.RunPython(grant_audit_view, migrations.RunPython.noop)]
