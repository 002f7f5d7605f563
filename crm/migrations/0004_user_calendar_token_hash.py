"""Calendar feed tokens are kept as SHA-256 hashes, never in plaintext.

Every stored token is hashed in place, so each calendar already subscribed keeps working: the feed hashes the token
in its URL and finds the same row. This is self-contained on purpose (a migration must not change when the app does);
`calendar_token_hashes` must agree with `crm.calendar_tokens.calendar_token_hash`, which the tests check.
"""

from __future__ import annotations

import hashlib
from collections import Counter

from django.db import migrations, models

# The feed never opened for a shorter token, so such a row is turned off rather than hashed.
MIN_TOKEN_LENGTH = 32


def calendar_token_hashes(tokens: dict[int, str]) -> dict[int, str | None]:
    """From each user's plaintext token (by user id) to what the row keeps: the token's SHA-256 (hex), or null.

    Blank and too-short tokens become null (no feed). So does a token two users share: it never was a secret of
    either, the feed could only ever serve one of them, and the unique index that follows needs it gone.
    """
    shared = Counter(tokens.values())
    return {
        pk: hashlib.sha256(token.encode()).hexdigest()
        if len(token) >= MIN_TOKEN_LENGTH and shared[token] == 1
        else None
        for pk, token in tokens.items()
    }


def forwards(apps, schema_editor) -> None:
    user_model = apps.get_model("crm", "User")
    tokens = dict(user_model.objects.exclude(calendar_token_hash=None).values_list("pk", "calendar_token_hash"))
    users = [user_model(pk=pk, calendar_token_hash=digest) for pk, digest in calendar_token_hashes(tokens).items()]
    user_model.objects.bulk_update(users, ["calendar_token_hash"], batch_size=1000)


def backwards(apps, schema_editor) -> None:
    # A hash cannot be turned back into its token: going back turns every feed off, and reps create new addresses.
    apps.get_model("crm", "User").objects.update(calendar_token_hash="")


class Migration(migrations.Migration):
    dependencies = [("crm", "0003_prospect_owner_recent_idx")]

    operations = [
        migrations.RenameField(model_name="user", old_name="calendar_token", new_name="calendar_token_hash"),
        # Nullable first, so "no feed" can be null (many nulls fit under a unique index, many blanks do not).
        migrations.AlterField(
            model_name="user",
            name="calendar_token_hash",
            field=models.CharField(blank=True, db_index=True, max_length=64, null=True),
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
        migrations.AlterField(
            model_name="user",
            name="calendar_token_hash",
            field=models.CharField(blank=True, editable=False, max_length=64, null=True, unique=True),
        ),
    ]
