from django.urls import URLPattern, path

from funnel import views, views_goals

urlpatterns: list[URLPattern] = [
    path("mqls/", views.mql_queue, name="mql_queue"),
    path("board/", views.board, name="board"),
    path("board/leads/<int:pk>/move/", views.board_move, name="board_move"),
    path("leads/<int:pk>/claim/", views.lead_claim, name="lead_claim"),
    path("goals/", views_goals.goal_list, name="goal_list"),
    path("goals/new/", views_goals.goal_create, name="goal_create"),
    path("goals/<int:pk>/", views_goals.goal_edit, name="goal_edit"),
    path("goals/<int:pk>/delete/", views_goals.goal_delete, name="goal_delete"),
]
