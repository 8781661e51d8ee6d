from django.urls import path

from dashboard import views

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard_page, name="dashboard"),
    path("dashboard/<slug:table>.csv", views.dashboard_csv, name="dashboard_csv"),
]
