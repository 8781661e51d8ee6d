"""Digests in the admin, read-only: a failed or interrupted send shows here with its error."""

from django.contrib import admin
from django.http import HttpRequest

from digests.models import Digest, DigestPreference


@admin.register(Digest)
class DigestAdmin(admin.ModelAdmin[Digest]):
    list_display = ["user", "week", "role", "status", "attempts", "sent_at", "last_error"]
    list_filter = ["status", "week", "role"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "user__email"]
    list_select_related = ["user"]
    date_hierarchy = "week"
    fields = readonly_fields = (
        "user", "week", "role", "built_at", "status", "attempts", "sent_at", "last_error",
        "content_version", "content",
    )  # fmt: skip

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Digest | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Digest | None = None) -> bool:
        return False


@admin.register(DigestPreference)
class DigestPreferenceAdmin(admin.ModelAdmin[DigestPreference]):
    list_display = ["user", "email"]
    list_filter = ["email"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email"]
