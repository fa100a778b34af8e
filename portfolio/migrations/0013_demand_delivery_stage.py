# Issue 15 item 4: approved demands already carried by a project read that project's status (frozen mapping).

from django.db import migrations

# PROJECT_DELIVERY_STAGES as of this migration: planned → planned, active/on hold → in progress, delivered, cancelled.
FORWARD = """
UPDATE intake_changerequest AS cr SET delivery_stage = CASE p.status
    WHEN 'planned' THEN 'planned'
    WHEN 'active' THEN 'in_progress'
    WHEN 'on_hold' THEN 'in_progress'
    WHEN 'delivered' THEN 'delivered'
    WHEN 'cancelled' THEN 'cancelled'
    ELSE '' END
FROM portfolio_projectdemand AS pd JOIN portfolio_project AS p ON p.id = pd.project_id
WHERE pd.change_request_id = cr.id AND cr.status = 'approved'
"""


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0012_delivery_stage"),
        ("portfolio", "0006_revenue_record_role_and_opening_balances"),
    ]

    operations = [migrations.RunSQL(FORWARD, reverse_sql=migrations.RunSQL.noop)]
