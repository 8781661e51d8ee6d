"""The REST API's routes, under /api/v1/ (namespace `api`): each app's endpoints, the OpenAPI
schema and its browsable documentation."""

from django.contrib.auth.decorators import login_required
from django.urls import URLPattern, URLResolver, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from accounts.api import ApiTokenViewSet, MeView
from audit.api import AuditView
from dashboard.api import DashboardTableView, DashboardView
from digests.api import DigestViewSet
from funnel.api.configuration import ReasonViewSet, StageViewSet
from funnel.api.goals import RevenueGoalViewSet
from leads.api.board import BoardView
from leads.api.capture_forms import CaptureFormViewSet
from leads.api.exports import ArchiveView, LeadCsvView, LeadXlsxView
from leads.api.imports import ImportBatchViewSet
from leads.api.leads import LeadViewSet
from leads.api.mentions import MentionSeenView, MentionsSeenView, MentionsView
from leads.api.moves import LeadMoveViewSet
from leads.api.personas import PersonaViewSet
from leads.api.pickers import CampaignChoicesView, OwnerChoicesView
from leads.api.queue import QueueView
from smarketing.api import NotFoundView

app_name = "api"

router = SimpleRouter(use_regex_path=False)
router.register("leads", LeadViewSet, basename="lead")
router.register("leads", LeadMoveViewSet, basename="lead-move")
router.register("personas", PersonaViewSet, basename="persona")
router.register("capture-forms", CaptureFormViewSet, basename="capture-form")
router.register("stages", StageViewSet, basename="stage")
router.register("reasons", ReasonViewSet, basename="reason")
router.register("tokens", ApiTokenViewSet, basename="token")
router.register("goals", RevenueGoalViewSet, basename="goal")
router.register("digests", DigestViewSet, basename="digest")
router.register("imports", ImportBatchViewSet, basename="import")

urlpatterns: list[URLPattern | URLResolver] = [
    # Files, named by their extension: before the router's leads/<id>/ routes.
    path("leads/export.csv", LeadCsvView.as_view(), name="lead_export_csv"),
    path("leads/export.xlsx", LeadXlsxView.as_view(), name="lead_export_xlsx"),
    path("export/archive.zip", ArchiveView.as_view(), name="export_archive"),
    *router.urls,
    path("me/", MeView.as_view(), name="me"),
    path("dashboard/", DashboardView.as_view(), name="dashboard"),
    path("dashboard/tables/<slug:key>/", DashboardTableView.as_view(), name="dashboard_table"),
    path("campaigns/", CampaignChoicesView.as_view(), name="campaigns"),
    path("owners/", OwnerChoicesView.as_view(), name="owners"),
    path("queue/", QueueView.as_view(), name="queue"),
    path("board/", BoardView.as_view(), name="board"),
    path("mentions/", MentionsView.as_view(), name="mentions"),
    path("mentions/seen/", MentionsSeenView.as_view(), name="mentions_seen"),
    path("mentions/<int:pk>/seen/", MentionSeenView.as_view(), name="mention_seen"),
    path("audit/", AuditView.as_view(), name="audit"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The docs page is for people in a browser: signing in is asked as on any page.
    path(
        "docs/",
        login_required(SpectacularSwaggerSplitView.as_view(url_name="api:schema")),
        name="docs",
    ),
    # Any path at all (newlines included) that nothing above matched.
    re_path(r"^[\s\S]*$", NotFoundView.as_view(), name="not_found"),
]
