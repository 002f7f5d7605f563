from django.apps import AppConfig


class TouchesConfig(AppConfig):
    name = "touches"
