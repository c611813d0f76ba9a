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
        from cacheops.cluster import check_configured_cluster

        # A cluster that is unreachable, not a cluster or missing slots stops the start with the reason.
        check_configured_cluster()
