# The queue index with the id included: My day ranks a rep's week from the index alone (index-only scan).

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cadence', '0008_follow_up_queue_index_only'),
        ('crm', '0008_imports_and_pacing'),
        ('touches', '0005_message_templates'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='followup',
            name='follow_up_queue_idx',
        ),
        migrations.AddIndex(
            model_name='followup',
            index=models.Index(condition=models.Q(('status', 'planned')), fields=['rep', 'due_start'], include=('due_end', 'overdue_since', 'enrollment', 'attempt', 'channel', 'id'), name='follow_up_queue_idx'),
        ),
    ]
