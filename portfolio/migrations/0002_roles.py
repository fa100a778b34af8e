from django.db import migrations


def create_roles(apps, schema_editor):
    from portfolio.roles import roles_ensure

    roles_ensure(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("portfolio", "0001_initial"),
        ("triage", "0002_scoring_model_v1"),
        ("intake", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
