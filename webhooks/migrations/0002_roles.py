from django.db import migrations


def grant_webhook_management(apps, schema_editor):
    """The CIO manages webhook endpoints (superusers hold every permission anyway)."""
    from core.migration_support import permissions_grant

    permissions_grant(apps, {"CIO": ["webhooks.manage_webhookendpoint"]})


class Migration(migrations.Migration):
    dependencies = [
        ("webhooks", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(grant_webhook_management, migrations.RunPython.noop)]
