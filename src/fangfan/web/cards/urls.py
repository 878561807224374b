from __future__ import annotations

from django.urls import path

from fangfan.web.cards import views

app_name = "cards"

urlpatterns = [
    path("cards/household/<str:household_id>.pdf", views.household_card, name="household"),
    path("cards/region/<str:code>.pdf", views.region_cards, name="region"),
    path("cards/verify/", views.verify_card, name="verify"),
]
