from django.apps import AppConfig


class CacheopsConfig(AppConfig):
    name = "cacheops"
    verbose_name = "Response cache"
