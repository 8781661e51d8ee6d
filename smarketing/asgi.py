import os

from django.core.asgi import get_asgi_application

from smarketing.readiness import ensure_ready_to_serve

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smarketing.settings")

application = get_asgi_application()
ensure_ready_to_serve()
