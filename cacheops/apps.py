from django.apps import AppConfig


class CacheopsConfig(AppConfig):
    name = "cacheops"
    verbose_name = "Response cache"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cacheops import (
            checks,  # noqa: F401 (registers the system checks)
            history,  # noqa: F401 (its samples join the background ticker)
        )
