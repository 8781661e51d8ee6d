from django.urls import URLPattern, path

from leads.views import (
    capture,
    create,
    detail,
    imports,
    mentions,
    moves,
    people,
    personas,
    pickers,
)
from leads.views.list import lead_list

# Each page of the leads app adds its routes here.
urlpatterns: list[URLPattern] = [
    path("", lead_list, name="lead_list"),
    path("campaigns/", pickers.campaign_choices, name="campaign_choices"),
    path("owners/", pickers.owner_choices, name="owner_choices"),
    path("<int:pk>/", detail.lead_detail, name="lead_detail"),
    path("<int:pk>/edit/", detail.lead_edit, name="lead_edit"),
    path("<int:pk>/activities/", detail.lead_add_activity, name="lead_add_activity"),
    path("<int:pk>/timeline/", detail.lead_timeline_older, name="lead_timeline"),
    path("<int:pk>/move/", moves.lead_move, name="lead_move"),
    path("<int:pk>/reassign/", moves.lead_reassign, name="lead_reassign"),
    path("mentions/", mentions.mentions, name="mentions"),
    path("mentions/read/", mentions.mentions_mark_seen, name="mentions_mark_seen"),
    path("mentions/<int:pk>/open/", mentions.mention_open, name="mention_open"),
    path("mentions/people/", people.mention_people, name="mention_people"),
    path("new/", create.lead_create, name="lead_create"),
    path("personas/", personas.persona_list, name="persona_list"),
    path("personas/new/", personas.persona_create, name="persona_create"),
    path("personas/<int:pk>/", personas.persona_detail, name="persona_detail"),
    path("personas/<int:pk>/edit/", personas.persona_edit, name="persona_edit"),
    path("capture-forms/", capture.capture_form_list, name="capture_form_list"),
    path("capture-forms/new/", capture.capture_form_create, name="capture_form_create"),
    path("capture-forms/<int:pk>/", capture.capture_form_detail, name="capture_form_detail"),
    path("capture-forms/<int:pk>/edit/", capture.capture_form_edit, name="capture_form_edit"),
    path("imports/", imports.import_list, name="import_list"),
    path("imports/<int:pk>/", imports.import_detail, name="import_detail"),
    path("imports/<int:pk>/progress/", imports.import_progress, name="import_progress"),
    path("imports/<int:pk>/mapping/", imports.import_mapping, name="import_mapping"),
    path("imports/<int:pk>/confirm/", imports.import_confirm, name="import_confirm"),
    path("imports/<int:pk>/cancel/", imports.import_cancel, name="import_cancel"),
    path("imports/<int:pk>/undo/", imports.import_undo, name="import_undo"),
    path("imports/<int:pk>/errors.csv", imports.import_errors, name="import_errors"),
]
