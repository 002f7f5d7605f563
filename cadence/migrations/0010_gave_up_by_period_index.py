# The dashboard reads a period's give-ups per rep from an index range, not every give-up the rep ever made.

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cadence', '0009_follow_up_queue_with_id'),
        ('crm', '0011_prospect_foreign_keys_unindexed'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='enrollment',
            index=models.Index(condition=models.Q(('status', 'gave_up')), fields=['owner', 'ended_at'], include=('gave_up_early',), name='enrollment_gave_up_idx'),
        ),
    ]
