"""Each round says which touches it counts (`counts_from`), apart from when its first attempt may come (`started_at`,
moved by pacing), and what earlier rounds tried.

Until now the planner counted a round's touches from `started_at`, so a paced lead called before its day had those
calls missing from its count. Existing rounds keep the touches they counted, plus those a paced start hid: from the
earlier of their start and their creation.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("cadence", "0013_enrollment_prospect_copy")]

    operations = [
        migrations.AddField(
            model_name="enrollment", name="counts_from", field=models.DateTimeField(blank=True, null=True)
        ),
        migrations.AddField(
            model_name="enrollment", name="earlier_attempts", field=models.PositiveIntegerField(default=0)
        ),
        migrations.AddField(
            model_name="enrollment", name="earlier_by", field=models.CharField(blank=True, max_length=200)
        ),
        migrations.RunSQL(
            "UPDATE cadence_enrollment SET counts_from = LEAST(started_at, created_at)", migrations.RunSQL.noop
        ),
    ]
