from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views, views_tokens

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="accounts/password_change_done.html"
        ),
        name="password_change_done",
    ),
    path("preferences/", views.preferences, name="preferences"),
    path("tokens/", views_tokens.token_create, name="api_token_create"),
    path("tokens/<int:pk>/revoke/", views_tokens.token_revoke, name="api_token_revoke"),
]
