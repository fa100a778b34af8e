import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0009_audit_tracking_miss'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='auditevent',
            name='action',
            field=models.CharField(choices=[('login', 'Signed in'), ('login_failed', 'Sign-in failed'), ('locked_out', 'Locked out'), ('permission_denied', 'Permission refused'), ('tracking_miss', 'Wrong tracking links'), ('decision', 'Decision recorded'), ('estimate', 'Cost estimate entered'), ('scoring_model', 'Scoring model changed'), ('decision_targets', 'Decision-time targets changed'), ('webhook', 'Webhook endpoint changed'), ('revenue_record', 'Realized revenue recorded'), ('roles_changed', 'Roles changed')], max_length=32),
        ),
        migrations.CreateModel(
            name='SsoIdentity',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('issuer', models.CharField(max_length=255)),
                ('subject', models.CharField(max_length=255)),
                ('groups', models.JSONField(blank=True, default=list)),
                ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='sso_identity', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('issuer', 'subject'), name='sso_identity_issuer_subject_unique')],
            },
        ),
    ]
