from django.urls import path

from . import register_views, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("password/forgot/", views.forgot_password, name="forgot_password"),
    path("password/reset/", views.password_reset, name="password_reset"),
    path("register/", register_views.register_start, name="register"),
    path("register/<slug:step>/", register_views.register_step, name="register_step"),
    path("invite/<str:token>/", views.invite_accept, name="invite_accept"),
    path("account/switch-family/", views.switch_family, name="switch_family"),
    path("account/security/", views.change_password, name="change_password"),
]
