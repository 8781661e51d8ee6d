from django.urls import URLPattern, path

from leads.views import detail, mentions
from leads.views.list import lead_list

# Each page of the leads app adds its routes here.
urlpatterns: list[URLPattern] = [
    path("", lead_list, name="lead_list"),
    path("<int:pk>/", detail.lead_detail, name="lead_detail"),
    path("<int:pk>/edit/", detail.lead_edit, name="lead_edit"),
    path("<int:pk>/activities/", detail.lead_add_activity, name="lead_add_activity"),
    path("<int:pk>/timeline/", detail.lead_timeline_older, name="lead_timeline"),
    path("mentions/", mentions.mentions, name="mentions"),
]
