"""My Account > Payments under /portal/<slug>/ (`urlpatterns`, namespace
"billing") and the gateways' own addresses under /gateway/
(`gateway_urlpatterns`, namespace "gateway"): the sandbox's and Stripe's
entry pages and the webhooks, which belong to no portal page."""

from django.urls import path

from . import statement_views, views

app_name = "billing"

urlpatterns = [
    path("account/payments/", views.payments, name="payments"),
    path("account/payments/pay/", views.payment_make, name="payment_make"),
    path(
        "account/payments/apply-credit/",
        views.credit_apply_view,
        name="credit_apply",
    ),
    path("account/payments/add/", views.payment_method_add, name="payment_method_add"),
    path(
        "account/payments/<int:method_id>/default/",
        views.payment_method_default,
        name="payment_method_default",
    ),
    path(
        "account/payments/<int:method_id>/recurring/",
        views.payment_method_recurring,
        name="payment_method_recurring",
    ),
    path(
        "account/payments/<int:method_id>/delete/",
        views.payment_method_delete,
        name="payment_method_delete",
    ),
    # Transaction History, statements and ledgers (statement_views.py).
    *statement_views.urlpatterns,
]

gateway_urlpatterns = (
    [
        path("sandbox/entry/", views.sandbox_entry, name="sandbox_entry"),
        path("stripe/entry/", views.stripe_entry, name="stripe_entry"),
        path(
            "<slug:provider>/webhook/<slug:org_slug>/",
            views.gateway_webhook,
            name="webhook",
        ),
    ],
    "gateway",
)
