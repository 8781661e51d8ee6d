from django.urls import URLPattern, path

from funnel import views

urlpatterns: list[URLPattern] = [
    path("mqls/", views.mql_queue, name="mql_queue"),
    path("leads/<int:pk>/claim/", views.lead_claim, name="lead_claim"),
    path("leads/<int:pk>/move/", views.lead_move, name="lead_move"),
]
