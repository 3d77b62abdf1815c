from django.apps import AppConfig


class CartConfig(AppConfig):
    name = "portal.cart"
    label = "cart"
    verbose_name = "Cart"
