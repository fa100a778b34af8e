# Issue 15 item 3: a private link in every customer e-mail (one hash per link), and contacts found by address.

import django.db.models.deletion
import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('intake', '0009_contact_and_attachments_for_analyst_and_cio'),
    ]

    operations = [
        migrations.CreateModel(
            name='TrackingLink',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('token_hash', models.CharField(editable=False, max_length=64, unique=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
            ],
            options={
                'ordering': ['created_at', 'pk'],
            },
        ),
        migrations.AddIndex(
            model_name='changerequest',
            index=models.Index(django.db.models.functions.text.Upper('contact_email'), name='cr_contact_email_upper_idx'),
        ),
        migrations.AddField(
            model_name='trackinglink',
            name='change_request',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='tracking_links', to='intake.changerequest'),
        ),
    ]
