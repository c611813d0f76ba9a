"""WSGI entry point: `gunicorn logdash.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "logdash.settings")
application = get_wsgi_application()
