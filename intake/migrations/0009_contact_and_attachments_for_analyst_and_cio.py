from django.db import migrations


def grant_contact_and_attachments(apps, schema_editor):
    """Least privilege (issue 19): the contact's name and e-mail and the attached files are for the roles that
    talk to the customer, Analyst and CIO; the portfolio manager keeps reading demands without them."""
    from core.migration_support import permissions_grant

    permissions_grant(
        apps,
        {
            "Analyst": ["intake.view_contact_details", "intake.view_attachment"],
            "CIO": ["intake.view_contact_details", "intake.view_attachment"],
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0008_contact_details_permission"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(grant_contact_and_attachments, migrations.RunPython.noop)]
