from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from fangfan.web.accounts import views
from fangfan.web.accounts.forms import LoginForm

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="accounts/login.html", authentication_form=LoginForm),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("me/", views.profile, name="profile"),
    path(
        "unmask/<str:model>/<str:object_id>/<str:field>/",
        views.unmask_field,
        name="unmask",
    ),
]
