from django.db import migrations


def grant_capacity_to_the_cio(apps, schema_editor):
    """The CIO sets capacities (portfolio.roles lists it too, for databases whose roles are made later)."""
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("triage")
    app_config.models_module = getattr(app_config, "models_module", None) or True
    create_permissions(app_config, verbosity=0, apps=apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(content_type__app_label="triage", codename="add_quartercapacity")
    for group in Group.objects.filter(name="CIO"):
        group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("triage", "0006_quarter_capacity"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(grant_capacity_to_the_cio, migrations.RunPython.noop)]
