# Issue 15 item 4: an approved demand's customer status follows its project, with timeline entries.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('intake', '0011_tracking_link'),
    ]

    operations = [
        migrations.AddField(
            model_name='changerequest',
            name='delivery_stage',
            field=models.CharField(blank=True, choices=[('planned', 'Planned'), ('in_progress', 'In progress'), ('delivered', 'Delivered'), ('cancelled', 'Cancelled')], db_default='', editable=False, max_length=20),
        ),
        migrations.AddField(
            model_name='statusevent',
            name='delivery_stage',
            field=models.CharField(blank=True, choices=[('planned', 'Planned'), ('in_progress', 'In progress'), ('delivered', 'Delivered'), ('cancelled', 'Cancelled')], db_default='', max_length=20),
        ),
    ]
