from django.apps import AppConfig


class LogdashConfig(AppConfig):
    """The project package as an app, for its management commands (`rundev`) and its auth signals."""

    name = "logdash"
    verbose_name = "logdash"

    def ready(self) -> None:
        from logdash import signals  # noqa: F401  (connects the token revocation receivers)
