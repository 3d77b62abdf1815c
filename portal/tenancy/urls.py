from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("home/", views.dashboard, name="dashboard"),
    path("location/", views.location_switch, name="location_switch"),
]
