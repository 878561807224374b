from __future__ import annotations

from django.urls import path

from fangfan.web.cards import views

app_name = "cards"

urlpatterns = [
    path("cards/household/<str:household_id>.pdf", views.household_card, name="household"),
    path("cards/region/<str:code>.pdf", views.region_cards, name="region"),
    path("cards/region/<str:code>/batches/new", views.batch_new, name="batch_new"),
    path("cards/batches/<int:batch_id>/", views.batch_detail, name="batch"),
    path("cards/batches/<int:batch_id>/status", views.batch_status, name="batch_status"),
    path("cards/batches/<int:batch_id>.pdf", views.batch_download, name="batch_download"),
    path("cards/verify/", views.verify_card, name="verify"),
]
