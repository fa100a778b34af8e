from django.db import migrations


def grant(apps, schema_editor):
    """The partner register and disclosure plans for the staff roles; the sign-off for the CIO alone (issue 18)."""
    from django.contrib.auth.management import create_permissions

    from core.migration_support import permissions_grant

    # core.migration_support creates the permissions of the apps it knew when it was written; this one's first.
    app_config = apps.get_app_config("partners")
    app_config.models_module = getattr(app_config, "models_module", None) or True
    create_permissions(app_config, verbosity=0, apps=apps)
    permissions_grant(
        apps,
        {
            "Analyst": ["partners.view_partner", "partners.add_partner", "partners.add_disclosureplan"],
            "CIO": [
                "partners.view_partner",
                "partners.add_partner",
                "partners.add_disclosureplan",
                "partners.sign_off_disclosureplan",
            ],
            "Portfolio manager": ["partners.view_partner"],
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0001_partners_register_and_plans"),
    ]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
