"""The history view of every organization-scoped admin viewset: staff see
their own rows' log entries, and another organization's row does not exist.

The viewsets are found in the URLconf (every ``<namespace>:history`` URL
whose view is scoped by organization), so a new scoped viewset is tested
without a change here; tests/portal/tenancy/conftest.py must give both
organizations a row of its model.
"""

import pytest
from django.urls import get_resolver, reverse
from django.urls.resolvers import URLResolver

from portal.tenancy.permissions import OrganizationScopedObjectMixin
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def scoped_history_views():
    """(URL name, model) of every history view of a scoped viewset."""
    found = []

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace
                if pattern.namespace:
                    inner = f"{namespace}{pattern.namespace}:"
                walk(pattern.url_patterns, inner)
                continue
            view_class = getattr(pattern.callback, "view_class", None)
            if (
                pattern.name in ("history", "history_results")
                and view_class is not None
                and issubclass(view_class, OrganizationScopedObjectMixin)
            ):
                model = pattern.callback.view_initkwargs["model"]
                found.append((f"{namespace}{pattern.name}", model))

    walk(get_resolver().url_patterns, "")
    return sorted(found, key=lambda item: item[0])


HISTORY_VIEWS = scoped_history_views()


def test_every_tenant_viewset_has_a_history_view_under_test():
    names = {name for name, _model in HISTORY_VIEWS}
    for expected in ("location:history", "program:history", "family:history"):
        assert expected in names
    assert len(names) >= 28  # 14 viewsets, a page and its results each


def row_of(side, model):
    try:
        return side.rows[model]
    except KeyError:
        pytest.fail(
            f"tests/portal/tenancy/conftest.py makes no {model.__name__} row: "
            "add one to tenant_rows()"
        )


def test_history_of_own_rows_lists_their_log_entries(client, world):
    # One world for every view (building it takes seconds); every failing
    # view is named.
    client.force_login(world.alpha.staff)
    failures = []
    for name, model in HISTORY_VIEWS:
        response = client.get(reverse(name, args=[row_of(world.alpha, model).pk]))
        body = response.content.decode()
        if response.status_code != 200:
            failures.append(f"{name}: {response.status_code}")
        elif "Alpha Keeper" not in body or "Edited" not in body:
            failures.append(f"{name}: the row's log entry is not listed")
        elif "Bravo" in body:
            failures.append(f"{name}: shows Bravo's data")
    assert failures == []


def test_history_of_other_organization_rows_is_not_found(client, world):
    client.force_login(world.alpha.staff)
    failures = []
    for name, model in HISTORY_VIEWS:
        response = client.get(reverse(name, args=[row_of(world.bravo, model).pk]))
        if response.status_code != 404 or "Bravo" in response.content.decode():
            failures.append(f"{name}: {response.status_code}")
    assert failures == []


def test_superuser_sees_the_history_of_every_organization(client, world):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    for name, model in HISTORY_VIEWS:
        for side, editor in ((world.alpha, "Alpha Keeper"), (world.bravo, "Bravo")):
            response = client.get(reverse(name, args=[row_of(side, model).pk]))
            assert response.status_code == 200, name
            assert editor in response.content.decode(), name
