from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):
    """pg_trgm for finding similar demands in SQL; CreateExtension does nothing on other databases."""

    dependencies = [("intake", "0002_attachment")]

    operations = [TrigramExtension()]
