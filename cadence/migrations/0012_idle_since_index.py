# "No recent touch" reads an index ordered by the later of the last touch and the start: only the idle leads.

import django.db.models.functions.comparison
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cadence', '0011_stalled_indexes_hold_only_the_stalled'),
        ('crm', '0011_prospect_foreign_keys_unindexed'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='enrollment',
            name='enrollment_idle_idx',
        ),
        migrations.AddIndex(
            model_name='enrollment',
            index=models.Index(models.F('owner'), django.db.models.functions.comparison.Greatest('last_touch_at', 'started_at'), condition=models.Q(('status__in', ['active', 'engaged'])), name='enrollment_idle_since_idx'),
        ),
    ]
