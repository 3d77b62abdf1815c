"""Cart, checkout and My Account > Payments against a plain Wagtail page.

Run: `make bench-parent` (or `uv run python bench/parent_pages.py`). It seeds
the same organization as bench/booking.py (2,000 classes with their
enrollments), adds a sandbox gateway and a logged-in parent with three
students, two stored methods and a cart of three held classes, then serves
each page to that parent (the plain page too, so every page carries the same
toolbar with its CART) in interleaved rounds. Target: each page at most
1.5x the plain page.
"""

import sys

from booking import REQUESTS, measure, seed  # noqa: I001 (sets Django up)
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import override_settings
from django_scopes import scope, scopes_disabled


def parent_with_a_cart(org, classes):
    from portal.cart.services import cart_add
    from tests.factories import make_family
    from tests.factories.billing import make_gateway_account, make_payment_method

    make_gateway_account(org)
    guardian = make_family(
        org, email="bench-parent@example.com", students=("Ann", "Ben", "Cat")
    )
    with scopes_disabled():
        make_payment_method(guardian, is_default=True, recurring_authorized=True)
        make_payment_method(
            guardian, kind="bank", brand="Sandbox Test Bank", last4="6789"
        )
        students = list(guardian.family.students.order_by("pk"))
    with scope(organization=org.pk):
        added = 0
        for klass in classes:
            if added == len(students):
                break
            if klass.seats_taken >= klass.capacity:
                continue
            try:
                cart_add(family=guardian.family, student=students[added], klass=klass)
            except Exception:  # noqa: BLE001 - not every class fits every child
                continue
            added += 1
    assert added == len(students), "no classes for the bench parent's children"
    return guardian


def main():
    from portal.catalog.models import Class
    from portal.tenancy.models import Organization

    call_command("migrate", verbosity=0)
    seed()
    with scopes_disabled():
        org = Organization.objects.get(slug="bench")
        classes = list(Class.objects.filter(organization=org).order_by("pk")[:200])
    guardian = parent_with_a_cart(org, classes)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    client = Client()
    client.force_login(guardian.user)
    pages = [
        ("plain Wagtail page", "/portal/bench/policies/pool-rules/"),
        ("cart/", "/portal/bench/cart/"),
        ("checkout/", "/portal/bench/checkout/"),
        ("account/payments/", "/portal/bench/account/payments/"),
    ]
    results = measure(client, pages)
    base = results[0][1]
    print(f"parent pages, {REQUESTS} requests per page, {connection.vendor}")
    print(f"{'page':28} {'median ms':>10} {'queries':>8} {'x plain':>8}")
    worst = 0
    for name, ms, count in results:
        ratio = ms / base
        if name != "plain Wagtail page":
            worst = max(worst, ratio)
        print(f"{name:28} {ms:10.1f} {count:8d} {ratio:8.2f}")
    print(f"worst ratio {worst:.2f} (target 1.50)")
    return 0 if worst <= 1.5 else 1


if __name__ == "__main__":
    with override_settings(DEBUG=False, ALLOWED_HOSTS=["*"]):
        sys.exit(main())
