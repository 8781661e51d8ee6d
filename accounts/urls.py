from allauth.account import views as allauth_views
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path

from accounts import views, views_tokens

login = views.LoginView.as_view()

urlpatterns = [
    path("login/", login, name="login"),
    # The same page under the name allauth's own views send people back to.
    path("login/", login, name="account_login"),
    # Open to anyone: it also ends a login still waiting for its two-factor code.
    path("logout/", login_not_required(auth_views.LogoutView.as_view()), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="accounts/password_change_done.html"
        ),
        name="password_change_done",
    ),
    # Asked before turning two-factor on or off when the last login is not recent.
    path("reauthenticate/", allauth_views.reauthenticate, name="account_reauthenticate"),
    # Two-factor: the security page, the authenticator app, recovery codes, the login step.
    path("2fa/", include("allauth.mfa.urls")),
    # Single sign-on: /accounts/oidc/sso/login/ and its callback /accounts/oidc/sso/login/callback/.
    path("", include("allauth.socialaccount.providers.openid_connect.urls")),
    path("preferences/", views.preferences, name="preferences"),
    path("tokens/", views_tokens.token_create, name="api_token_create"),
    path("tokens/<int:pk>/revoke/", views_tokens.token_revoke, name="api_token_revoke"),
]
