from django.db import migrations


def grant_capacity_to_the_cio(apps, schema_editor):
    """The CIO sets capacities."""
    from core.migration_support import permissions_grant

    permissions_grant(apps, {"CIO": ["triage.add_quartercapacity"]})


class Migration(migrations.Migration):
    dependencies = [
        ("triage", "0006_quarter_capacity"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(grant_capacity_to_the_cio, migrations.RunPython.noop)]
