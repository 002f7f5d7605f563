# The stalled list reads only what is stalled: an engaged lead with its next step ahead is in no index of it.

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cadence', '0010_gave_up_by_period_index'),
        ('crm', '0011_prospect_foreign_keys_unindexed'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='enrollment',
            name='enrollment_attention_idx',
        ),
        migrations.AddIndex(
            model_name='enrollment',
            index=models.Index(condition=models.Q(('status__in', ['active', 'engaged', 'paused']), models.Q(('last_action', 'reassign_blocked'), ('snooze_count__gte', 3), models.Q(('next_step_due_at__isnull', True), ('status', 'engaged')), _connector='OR')), fields=['owner'], name='enrollment_stuck_idx'),
        ),
        migrations.AddIndex(
            model_name='enrollment',
            index=models.Index(condition=models.Q(('next_step_due_at__isnull', False), ('status__in', ['active', 'engaged', 'paused'])), fields=['owner', 'next_step_due_at'], name='enrollment_next_step_idx'),
        ),
        migrations.AddIndex(
            model_name='enrollment',
            index=models.Index(condition=models.Q(('last_action', 'wait'), ('status__in', ['active', 'engaged', 'paused'])), fields=['owner', 'next_due_at'], name='enrollment_wait_idx'),
        ),
    ]
