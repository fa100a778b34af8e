from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('intake', '0007_band_score_index'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='changerequest',
            options={'ordering': ['-created_at'], 'permissions': [('view_contact_details', "Can see a demand's contact name and e-mail")]},
        ),
    ]
