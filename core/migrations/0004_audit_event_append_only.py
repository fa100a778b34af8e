from django.db import migrations

# PostgreSQL refuses to change or delete an audit event, whatever the client (a queryset update, a
# shell, a script). The one change allowed is the one the database itself makes when a user is
# deleted: actor set to NULL, every other column unchanged. TRUNCATE (test flushes) fires no row trigger.
APPEND_ONLY = """
CREATE FUNCTION core_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.actor_id IS NULL
       AND (NEW.id, NEW.created_at, NEW.action, NEW.username, NEW.object_type, NEW.object_id,
            NEW.object_reference, NEW.ip_address, NEW.request_id, NEW.details)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.created_at, OLD.action, OLD.username, OLD.object_type, OLD.object_id,
            OLD.object_reference, OLD.ip_address, OLD.request_id, OLD.details) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit events are append-only (% refused)', TG_OP;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_auditevent_append_only BEFORE UPDATE OR DELETE ON core_auditevent
    FOR EACH ROW EXECUTE FUNCTION core_auditevent_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS core_auditevent_append_only ON core_auditevent;
DROP FUNCTION IF EXISTS core_auditevent_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("core", "0003_audit_event")]
    operations = [migrations.RunPython(forwards, backwards)]
