"""Seven indexes fewer on the demands table: every write of a demand that moves an indexed column updates each.

Gone: the LIKE-pattern (`varchar_pattern_ops`) twins Django adds to unique and indexed text columns on
PostgreSQL (reference, tracking token hash, idempotency key, status: nothing matches them with LIKE), and the
single-column indexes of status, product and owner (cr_status_score_idx, cr_product_created_idx and
cr_owner_created_idx start with them). The unique constraints stay, renamed; on PostgreSQL nothing is rebuilt
(no table scan, a short lock). Other databases keep their indexes until a later migration rebuilds the table.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# What the state operations below would do, done without rebuilding the unique indexes or re-checking the foreign keys.
DROPPED = [
    "intake_changerequest_reference_2737e639_like",
    "intake_changerequest_tracking_token_hash_c06b4ab0_like",
    "intake_changerequest_idempotency_key_8066bcee_like",
    "intake_changerequest_status_f8993858_like",
    "intake_changerequest_status_f8993858",
    "intake_changerequest_product_id_907dbfde",
    "intake_changerequest_owner_id_be323030",
]
RENAMED = [
    ("intake_changerequest_reference_key", "cr_reference_unique"),
    ("intake_changerequest_tracking_token_hash_key", "cr_tracking_token_hash_unique"),
    ("intake_changerequest_idempotency_key_key", "cr_idempotency_key_unique"),
]
RECREATED = [
    'CREATE INDEX "intake_changerequest_reference_2737e639_like" ON "intake_changerequest" '
    '("reference" varchar_pattern_ops)',
    'CREATE INDEX "intake_changerequest_tracking_token_hash_c06b4ab0_like" ON "intake_changerequest" '
    '("tracking_token_hash" varchar_pattern_ops)',
    'CREATE INDEX "intake_changerequest_idempotency_key_8066bcee_like" ON "intake_changerequest" '
    '("idempotency_key" varchar_pattern_ops)',
    'CREATE INDEX "intake_changerequest_status_f8993858_like" ON "intake_changerequest" ("status" varchar_pattern_ops)',
    'CREATE INDEX "intake_changerequest_status_f8993858" ON "intake_changerequest" ("status")',
    'CREATE INDEX "intake_changerequest_product_id_907dbfde" ON "intake_changerequest" ("product_id")',
    'CREATE INDEX "intake_changerequest_owner_id_be323030" ON "intake_changerequest" ("owner_id")',
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS " + ", ".join(f'"{name}"' for name in DROPPED))
    for old, new in RENAMED:
        schema_editor.execute(f'ALTER TABLE "intake_changerequest" RENAME CONSTRAINT "{old}" TO "{new}"')


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for old, new in RENAMED:
        schema_editor.execute(f'ALTER TABLE "intake_changerequest" RENAME CONSTRAINT "{new}" TO "{old}"')
    for statement in RECREATED:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0020_language_note_keys_customer_names"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forwards, backwards)],
            state_operations=[
                migrations.AlterField(
                    model_name="changerequest",
                    name="idempotency_key",
                    field=models.CharField(blank=True, editable=False, max_length=64, null=True),
                ),
                migrations.AlterField(
                    model_name="changerequest",
                    name="owner",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="owned_demands",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="changerequest",
                    name="product",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="change_requests",
                        to="intake.product",
                    ),
                ),
                migrations.AlterField(
                    model_name="changerequest",
                    name="reference",
                    field=models.CharField(editable=False, max_length=20),
                ),
                migrations.AlterField(
                    model_name="changerequest",
                    name="status",
                    field=models.CharField(
                        choices=[
                            ("submitted", "Submitted"),
                            ("scored", "Scored"),
                            ("needs_info", "Needs information"),
                            ("approved", "Approved"),
                            ("rejected", "Rejected"),
                            ("deferred", "Deferred"),
                            ("withdrawn", "Withdrawn"),
                        ],
                        default="submitted",
                        max_length=20,
                    ),
                ),
                migrations.AlterField(
                    model_name="changerequest",
                    name="tracking_token_hash",
                    field=models.CharField(editable=False, max_length=64),
                ),
                migrations.AddConstraint(
                    model_name="changerequest",
                    constraint=models.UniqueConstraint(fields=("reference",), name="cr_reference_unique"),
                ),
                migrations.AddConstraint(
                    model_name="changerequest",
                    constraint=models.UniqueConstraint(
                        fields=("tracking_token_hash",), name="cr_tracking_token_hash_unique"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="changerequest",
                    constraint=models.UniqueConstraint(fields=("idempotency_key",), name="cr_idempotency_key_unique"),
                ),
            ],
        ),
    ]
