"""The cache backend: django-redis underneath."""

from django_redis.cache import RedisCache as DjangoRedisCache


class RedisCache(DjangoRedisCache):
    """django-redis's cache."""
