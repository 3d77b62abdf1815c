"""The parent's cart and checkout pages under /portal/<slug>/."""

from django.urls import path

from . import views

app_name = "cart"

urlpatterns = [
    path("cart/", views.cart_page, name="cart"),
    path("cart/add/", views.cart_add, name="add"),
    path("cart/<int:item_id>/remove/", views.cart_remove, name="remove"),
    path("cart/<int:item_id>/renew/", views.cart_renew, name="renew"),
    path("checkout/", views.checkout, name="checkout"),
    path("checkout/done/<str:key>/", views.checkout_done, name="done"),
]
