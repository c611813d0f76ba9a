"""What `manage.py warm_cache` fills: the dashboard, the default trends and the most frequent searches."""

from cacheops.warmup import register_warmup, register_warmup_provider
from dashboard.conf import dashboard_settings
from dashboard.popularity import get_popular_searches

register_warmup("/api/dashboard")
register_warmup("/api/analytics/trends")
register_warmup_provider(lambda: get_popular_searches(dashboard_settings.WARM_POPULAR_SEARCHES))
