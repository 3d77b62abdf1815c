"""Wagtail's user bar is for staff: a parent's pages neither show it nor pay
for its permission queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_family, make_organization, make_staff

pytestmark = pytest.mark.django_db


def test_parents_pages_have_no_user_bar_and_no_permission_queries(client):
    organization = make_organization(slug="swim")
    client.force_login(make_family(organization).user)
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/portal/swim/booking/").content.decode()
    assert "wagtail-userbar" not in html
    assert not [q for q in queries.captured_queries if "auth_permission" in q["sql"]]


def test_staff_see_the_user_bar_on_portal_pages(client):
    organization = make_organization(slug="swim")
    client.force_login(make_staff(organization))
    html = client.get("/portal/swim/booking/").content.decode()
    assert "wagtail-userbar" in html
