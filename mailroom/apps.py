from django.apps import AppConfig


class MailroomConfig(AppConfig):
    name = "mailroom"
    verbose_name = "Mail"
