"""URLs of Account Information: guardians and their contact data."""

from django.urls import path

from . import guardian_views as views

app_name = "guardians"

urlpatterns = [
    path("account/guardians/add/", views.guardian_add_view, name="add"),
    path(
        "account/guardians/<int:guardian_id>/edit/",
        views.guardian_edit_view,
        name="edit",
    ),
    path(
        "account/guardians/<int:guardian_id>/delete/",
        views.guardian_delete_view,
        name="delete",
    ),
    path(
        "account/guardians/<int:guardian_id>/payments/",
        views.guardian_payments_view,
        name="payments",
    ),
    path(
        "account/guardians/<int:guardian_id>/invite/",
        views.guardian_invite_view,
        name="invite",
    ),
    path(
        "account/guardians/<int:guardian_id>/revoke/",
        views.guardian_revoke_view,
        name="revoke",
    ),
    path(
        "account/guardians/<int:guardian_id>/reset-password/",
        views.guardian_reset_password_view,
        name="reset_password",
    ),
    path(
        "account/guardians/<int:guardian_id>/<slug:kind>/add/",
        views.contact_add_view,
        name="contact_add",
    ),
    path(
        "account/contacts/<slug:kind>/<int:contact_id>/edit/",
        views.contact_edit_view,
        name="contact_edit",
    ),
    path(
        "account/contacts/<slug:kind>/<int:contact_id>/delete/",
        views.contact_delete_view,
        name="contact_delete",
    ),
    path(
        "account/contacts/<slug:kind>/<int:contact_id>/reassign/",
        views.contact_reassign_view,
        name="contact_reassign",
    ),
]
