"""Billing in the admin: the Payment gateway screen (gateway_admin.py)."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from .gateway_admin import GatewayEditView, GatewayIndexView, may_manage_gateways


@hooks.register("register_admin_urls")
def register_gateway_urls():
    return [
        path(
            "billing/gateway/",
            GatewayIndexView.as_view(),
            name="billing_gateway_index",
        ),
        path(
            "billing/gateway/<int:organization_id>/",
            GatewayEditView.as_view(),
            name="billing_gateway_edit",
        ),
    ]


class GatewayMenuItem(MenuItem):
    def is_shown(self, request):
        return may_manage_gateways(request.user)


@hooks.register("register_billing_menu_item")
def register_gateway_menu_item():
    # Under Billing (tuition_admin.py), last: managers only.
    return GatewayMenuItem(
        _("Payment gateway"),
        reverse("billing_gateway_index"),
        name="payment-gateway",
        icon_name="lock",
        order=900,
    )


# The other billing screens register their own URLs and menu items.
from . import (  # noqa: E402, F401
    batch_admin,
    family_admin,
    report_admin,
    tuition_admin,
)
