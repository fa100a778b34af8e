from django.db import migrations


# The roles as they were first defined; later migrations add to them (core/roles.py has today's lists).
ANALYST = [
    "triage.view_assessment",
    "triage.view_costestimate",
    "triage.add_costestimate",
    "triage.request_information",
    "triage.view_decision",
    "triage.view_scoringmodel",
    "intake.view_changerequest",
    "intake.change_changerequest",
    "intake.change_similardemand",
    "portfolio.view_project",
]
GRANTS = {
    "Analyst": ANALYST,
    "CIO": [
        *ANALYST,
        "triage.decide_changerequest",
        "triage.add_scoringmodel",
        "triage.activate_scoringmodel",
        "triage.add_rescorejob",
        "triage.view_rescorejob",
    ],
    "Portfolio manager": [
        "triage.view_assessment",
        "intake.view_changerequest",
        "portfolio.view_project",
        "portfolio.change_project",
        "portfolio.add_milestone",
        "portfolio.change_milestone",
        "portfolio.add_statusupdate",
    ],
    "API reader": [],
}


def create_roles(apps, schema_editor):
    from core.migration_support import permissions_grant

    permissions_grant(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("portfolio", "0001_initial"),
        ("triage", "0002_scoring_model_v1"),
        ("intake", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
