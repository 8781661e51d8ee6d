from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from accounts.models import User
from accounts.services import save_user


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), ("Preferences", {"fields": ("language",)}))
    list_display = ("username", "email", "first_name", "last_name", "is_active", "is_staff")
    list_filter = ("groups", "is_active", "is_staff")

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        # The groups are saved here with the rest, so that one history row says how the
        # person's roles changed; the admin's own save of them afterwards changes nothing.
        if not isinstance(request.user, User):
            raise PermissionDenied
        groups = form.cleaned_data.get("groups") if "groups" in form.cleaned_data else None
        save_user(user=obj, groups=groups, actor=request.user)
