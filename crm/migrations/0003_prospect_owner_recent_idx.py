from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY: writes to prospects go on while it builds

    dependencies = [("crm", "0002_user_calendar_token")]

    operations = [
        AddIndexConcurrently(
            model_name="prospect",
            index=models.Index(fields=["owner", "-updated_at"], name="prospect_owner_recent_idx"),
        ),
    ]
