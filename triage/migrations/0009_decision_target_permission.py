from django.db import migrations


def grant_decision_targets_to_the_cio(apps, schema_editor):
    """Decision-time targets get their own permission; they were gated by the scoring-model one."""
    from core.migration_support import permissions_grant

    permissions_grant(apps, {"CIO": ["triage.change_decisiontarget"]})


class Migration(migrations.Migration):
    dependencies = [
        ("triage", "0008_decision_outcome_index"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(grant_decision_targets_to_the_cio, migrations.RunPython.noop)]
