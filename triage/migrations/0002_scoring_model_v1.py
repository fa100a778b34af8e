from django.db import migrations


def create_v1(apps, schema_editor):
    ScoringModel = apps.get_model("triage", "ScoringModel")
    if not ScoringModel.objects.exists():
        # Field defaults are DESIGN.md's model v1.
        ScoringModel.objects.create(version=1, is_active=True, note="Default model v1 from the design.")


class Migration(migrations.Migration):
    dependencies = [("triage", "0001_initial")]
    operations = [migrations.RunPython(create_v1, migrations.RunPython.noop)]
