from django.apps import AppConfig


class MailroomConfig(AppConfig):
    name = "mailroom"
    verbose_name = "Mail"

    def ready(self) -> None:
        # Enqueued by name (cadence/services/queue.py): registered in every process, web included.
        from mailroom import tasks  # noqa: F401
