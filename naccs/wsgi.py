"""WSGI entry point (gunicorn naccs.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "naccs.settings")
application = get_wsgi_application()
