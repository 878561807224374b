from __future__ import annotations

from django.urls import path

from fangfan.web.oversight import views

app_name = "oversight"

urlpatterns = [
    path("oversight/", views.board, name="board"),
    path("oversight/board.xlsx", views.board_excel, name="board_excel"),
    path("oversight/overdue.xlsx", views.overdue_excel, name="overdue_excel"),
    path("oversight/recurring.xlsx", views.recurring_excel, name="recurring_excel"),
    path("oversight/breached.xlsx", views.breached_excel, name="breached_excel"),
    path("oversight/repeats.xlsx", views.repeats_excel, name="repeats_excel"),
]
