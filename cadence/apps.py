from django.apps import AppConfig


class CadenceConfig(AppConfig):
    name = "cadence"

    def ready(self) -> None:
        # The services enqueue tasks by name (cadence/services/queue.py): register them in every process, web
        # included, not only where a worker's autodiscovery imports them.
        from cadence import tasks  # noqa: F401
