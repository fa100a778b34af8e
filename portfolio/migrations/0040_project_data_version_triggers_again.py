from django.db import migrations


def restore_sqlite_data_version_triggers(apps, schema_editor):
    """0039_realized_savings adds a check constraint to portfolio_project, which SQLite does by rebuilding the
    table, dropping its triggers: put back the ones 0004_project_data_version made (as 0005 did after the
    previous rebuild), so the project list's ETag still moves on every write to a project."""
    if schema_editor.connection.vendor != "sqlite":
        return
    for operation in ("INSERT", "UPDATE", "DELETE"):
        schema_editor.execute(
            f"CREATE TRIGGER IF NOT EXISTS portfolio_project_dataversion_{operation.lower()} AFTER {operation} "
            "ON portfolio_project BEGIN INSERT INTO core_dataversion (name, version) VALUES ('projects', 1) "
            "ON CONFLICT (name) DO UPDATE SET version = version + 1; END",
            params=None,
        )


class Migration(migrations.Migration):
    dependencies = [("portfolio", "0020_project_names")]
    operations = [migrations.RunPython(restore_sqlite_data_version_triggers, migrations.RunPython.noop)]
