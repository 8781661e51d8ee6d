from django.contrib import admin
from django.urls import include, path

from leads.views.capture import capture
from smarketing.health import healthz
from smarketing.icons import favicon

urlpatterns = [
    path("", include("dashboard.urls")),
    path("accounts/", include("accounts.urls")),
    path("leads/", include("leads.urls")),
    path("funnel/", include("funnel.urls")),
    path("digests/", include("digests.urls")),
    path("history/", include("audit.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("smarketing.api_urls")),
    path("healthz", healthz, name="healthz"),
    # Pages name their icon with a <link>; tools that only ask for /favicon.ico find it too.
    path("favicon.ico", favicon, name="favicon"),
    # Public: websites post their forms here (leads/views/capture.py says what guards it).
    path("capture/<str:key>", capture, name="capture"),
]

handler404 = "smarketing.error_pages.not_found"
handler500 = "smarketing.error_pages.server_error"
