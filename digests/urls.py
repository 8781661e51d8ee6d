from django.urls import path

from digests import views

urlpatterns = [
    path("", views.digest_list, name="digest_list"),
    path("email/", views.digest_email, name="digest_email"),
    path("preview/", views.digest_preview, name="digest_preview"),
    path("<str:week>/", views.digest_detail, name="digest_detail"),
    path("<str:week>/people/<int:user_id>/", views.person_digest, name="person_digest"),
]
