"""The site's icon at the address browsers and tools ask for when a page does not name one."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponseRedirect
from django.templatetags.static import static
from django.views.decorators.http import require_GET


@login_not_required
@require_GET
def favicon(request: HttpRequest) -> HttpResponseRedirect:
    # Resolved per request, and not permanent: the hashed file name changes with the icon.
    return HttpResponseRedirect(static("favicon.svg"))
