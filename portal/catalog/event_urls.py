"""Booking pages for events (camps) and parties."""

from django.urls import path

from . import event_views

app_name = "events"

urlpatterns = [
    path("booking/events/", event_views.event_list, name="list"),
    path("booking/events/<int:event_id>/", event_views.event_detail, name="detail"),
    path("booking/parties/", event_views.party_list, name="parties"),
]
