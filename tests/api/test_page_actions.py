"""The API does what the pages do: each page route of the apps, with the endpoint that does the
same thing, or why there is none. A new page without an entry here fails this test."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator

# Page route name -> the API operations ("METHOD /api/v1/path") that do what it does.
PAGE_TO_API: dict[str, list[str]] = {
    "home": ["GET /api/v1/board/", "GET /api/v1/queue/", "GET /api/v1/leads/"],
    "dashboard": ["GET /api/v1/dashboard/", "GET /api/v1/goals/"],
    "dashboard_csv": ["GET /api/v1/dashboard/tables/{key}/"],
    "campaign_choices": ["GET /api/v1/campaigns/"],
    "owner_choices": ["GET /api/v1/owners/"],
    "preferences": ["GET /api/v1/me/", "GET /api/v1/tokens/"],
    "api_token_create": ["POST /api/v1/tokens/"],
    "api_token_revoke": ["DELETE /api/v1/tokens/{id}/"],
    "lead_list": ["GET /api/v1/leads/"],
    "import_list": ["GET /api/v1/imports/", "POST /api/v1/imports/"],
    "import_detail": ["GET /api/v1/imports/{id}/", "POST /api/v1/imports/{id}/dry-run/"],
    "import_progress": ["GET /api/v1/imports/{id}/"],
    "import_mapping": ["PUT /api/v1/imports/{id}/mapping/"],
    "import_confirm": ["POST /api/v1/imports/{id}/confirm/"],
    "import_cancel": ["POST /api/v1/imports/{id}/cancel/"],
    "import_undo": ["POST /api/v1/imports/{id}/undo/"],
    "lead_export_csv": ["GET /api/v1/leads/export.csv"],
    "lead_export_xlsx": ["GET /api/v1/leads/export.xlsx"],
    "export_all": ["GET /api/v1/export/archive.zip"],
    "export_archive": ["GET /api/v1/export/archive.zip"],
    "lead_detail": ["GET /api/v1/leads/{id}/", "GET /api/v1/leads/{id}/moves/"],
    "lead_edit": ["PATCH /api/v1/leads/{id}/"],
    "lead_add_activity": ["POST /api/v1/leads/{id}/notes/", "POST /api/v1/leads/{id}/touch/"],
    "lead_timeline": ["GET /api/v1/leads/{id}/timeline/"],
    "mentions": ["GET /api/v1/mentions/"],
    "mentions_mark_seen": ["POST /api/v1/mentions/seen/"],
    "mention_open": ["POST /api/v1/mentions/{id}/seen/"],
    "lead_create": ["POST /api/v1/leads/"],
    "persona_list": ["GET /api/v1/personas/"],
    "persona_create": ["POST /api/v1/personas/"],
    "persona_detail": ["GET /api/v1/personas/{id}/"],
    "persona_edit": ["PATCH /api/v1/personas/{id}/"],
    "mql_queue": ["GET /api/v1/queue/"],
    "board": ["GET /api/v1/board/"],
    "board_move": ["POST /api/v1/leads/{id}/moves/"],
    "lead_claim": ["POST /api/v1/leads/{id}/claim/"],
    "lead_move": [
        "POST /api/v1/leads/{id}/moves/",
        "POST /api/v1/leads/{id}/qualify/",
        "POST /api/v1/leads/{id}/advance/",
        "POST /api/v1/leads/{id}/win/",
        "POST /api/v1/leads/{id}/lose/",
        "POST /api/v1/leads/{id}/recycle/",
    ],
    "lead_reassign": ["POST /api/v1/leads/{id}/reassign/"],
    "lead_merge": ["GET /api/v1/leads/{id}/", "POST /api/v1/leads/{id}/merge/"],
    "lead_merge_choices": ["GET /api/v1/leads/"],
    "goal_list": ["GET /api/v1/goals/"],
    "goal_create": ["POST /api/v1/goals/"],
    "goal_edit": ["GET /api/v1/goals/{id}/", "PUT /api/v1/goals/{id}/"],
    "goal_delete": ["DELETE /api/v1/goals/{id}/"],
    "digest_list": ["GET /api/v1/digests/"],
    "digest_detail": ["GET /api/v1/digests/{week}/"],
    "digest_email": ["GET /api/v1/digests/preference/", "PUT /api/v1/digests/preference/"],
    "digest_preview": ["POST /api/v1/digests/preview/"],
    "capture_form_list": ["GET /api/v1/capture-forms/"],
    "capture_form_create": ["POST /api/v1/capture-forms/"],
    "capture_form_detail": ["GET /api/v1/capture-forms/{id}/"],
    "capture_form_edit": ["GET /api/v1/capture-forms/{id}/", "PATCH /api/v1/capture-forms/{id}/"],
}

# Page routes with no endpoint, and why.
NOT_IN_THE_API = {
    "login": "signing in with a password is for people; scripts use a token",
    "account_login": "the login page under the name the two-factor pages send people back to",
    "logout": "a token is revoked instead (DELETE /api/v1/tokens/{id}/)",
    "mention_people": "the names a note field offers as one types @, for people typing",
    "password_change": "a password is changed by its person, in the browser",
    "password_change_done": "the page after changing a password",
    "capture": "the website capture endpoint is itself public HTTP, with its own key",
    "healthz": "a probe for the load balancer, not a product action",
    "import_errors": (
        "the dry run's errors as a spreadsheet for people; the API gives them in the import's"
        " summary (GET /api/v1/imports/{id}/)"
    ),
    "person_digest": (
        "a person's digest shown to a manager in the browser; the API sends it to the manager"
        " by email instead (POST /api/v1/digests/preview/)"
    ),
}

APPS = ("accounts", "leads", "funnel", "dashboard", "digests", "smarketing.health")


def _page_routes(patterns: list[URLPattern | URLResolver]) -> set[str]:
    names = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace not in ("admin", "api"):
                names |= _page_routes(pattern.url_patterns)
        elif pattern.name and (
            pattern.callback.__module__.startswith(APPS) or pattern.name in NOT_IN_THE_API
        ):
            names.add(pattern.name)
    return names


@pytest.fixture(scope="module")
def operations() -> set[str]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        f"{method.upper()} {path}"
        for path, item in schema["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }


def test_every_page_action_is_accounted_for() -> None:
    pages = _page_routes(get_resolver().url_patterns)

    unaccounted = pages - set(PAGE_TO_API) - set(NOT_IN_THE_API)

    assert not unaccounted, f"Pages with no API endpoint listed here: {sorted(unaccounted)}"
    assert not (set(PAGE_TO_API) | set(NOT_IN_THE_API)) - pages, "entries for pages that are gone"


def test_the_endpoint_for_each_page_action_exists(operations: set[str]) -> None:
    missing = {
        page: endpoint
        for page, endpoints in PAGE_TO_API.items()
        for endpoint in endpoints
        if endpoint not in operations
    }

    assert not missing
