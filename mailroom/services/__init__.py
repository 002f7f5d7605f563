"""Writes for the mailroom: mailboxes (connect, rotate keys), the outbox (queue, send, recover) and listening
(read the inbox, classify, apply, reclassify)."""
