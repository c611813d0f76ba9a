from django.apps import AppConfig


class LogdashConfig(AppConfig):
    """The project package as an app, for its management commands (`rundev`)."""

    name = "logdash"
    verbose_name = "logdash"
