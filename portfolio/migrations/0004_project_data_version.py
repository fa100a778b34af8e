from django.db import migrations

# What the project list shows (core.DataVersion "projects"): the project rows, their sponsors, the
# sponsors' names and the owners' user names. Any statement writing one of these tables moves the
# version, so the list's ETag changes (conservatively: also for rows outside a client's filter).
TABLES = ("portfolio_project", "portfolio_project_sponsors", "intake_customer", "auth_user")
NAME = "projects"


def forwards(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    for table in TABLES:
        if postgresql:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_dataversion AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION core_dataversion_bump('{NAME}')",
                params=None,
            )
            continue
        for operation in ("INSERT", "UPDATE", "DELETE"):
            schema_editor.execute(
                f"CREATE TRIGGER {table}_dataversion_{operation.lower()} AFTER {operation} ON {table} BEGIN "
                f"INSERT INTO core_dataversion (name, version) VALUES ('{NAME}', 1) "
                "ON CONFLICT (name) DO UPDATE SET version = version + 1; END",
                params=None,
            )


def backwards(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    for table in TABLES:
        if postgresql:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_dataversion ON {table}", params=None)
            continue
        for operation in ("insert", "update", "delete"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_dataversion_{operation}", params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0006_data_version"),
        ("intake", "0006_scoring_requested"),
        ("portfolio", "0003_audit_permission"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
