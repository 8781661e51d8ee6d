import os

from django.core.asgi import get_asgi_application

from smarketing.readiness import ready_to_serve_or_exit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smarketing.settings")

# Before Django sets up: a bad setting ends the process with one line, not a traceback.
ready_to_serve_or_exit()
application = get_asgi_application()
