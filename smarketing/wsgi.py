import os

from django.core.wsgi import get_wsgi_application

from smarketing.readiness import ensure_ready_to_serve

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smarketing.settings")

application = get_wsgi_application()
ensure_ready_to_serve()
