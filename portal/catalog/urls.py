from django.urls import path

from . import views

app_name = "booking"

urlpatterns = [
    path("booking/", views.booking_home, name="home"),
    path("booking/find/", views.find_class, name="find"),
    path("booking/classes/", views.class_list, name="classes"),
    path("booking/classes/<int:class_id>/", views.class_detail, name="class_detail"),
]
