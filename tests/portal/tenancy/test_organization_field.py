"""The organization of a row in the admin forms of locations, catalog models
and lookups: staff of one organization are never asked, everyone else chooses
from a list with no empty choice."""

import re

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from portal.catalog.models import (
    Blackout,
    Class,
    Event,
    Instructor,
    Level,
    PartyPackage,
    PartySlot,
    Program,
)
from portal.tenancy.models import Location, StaffRole
from portal.tenancy.services import staff_membership_create
from snippets.models import CustomField, ReferralSource
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# Viewset namespace -> model, for every admin form with an organization.
FORMS = {
    "location": Location,
    "program": Program,
    "level": Level,
    "instructor": Instructor,
    "class": Class,
    "event": Event,
    "partypackage": PartyPackage,
    "partyslot": PartySlot,
    "blackout": Blackout,
    "referralsource": ReferralSource,
    "customfield": CustomField,
}


def form_urls(world):
    for namespace, model in FORMS.items():
        yield reverse(f"{namespace}:add")
        yield reverse(f"{namespace}:edit", args=[world.alpha.rows[model].pk])


def organization_select(html):
    match = re.search(
        r'<select name="organization"[^>]*>(.*?)</select>', html, re.DOTALL
    )
    return match and match.group(0)


def test_single_organization_staff_are_not_asked_for_the_organization(client, world):
    client.force_login(world.alpha.staff)
    for url in form_urls(world):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert 'name="organization"' not in html, url
        assert "Bravo" not in html, url


@pytest.mark.parametrize("who", ["superuser", "staff of two organizations"])
def test_others_choose_the_organization_without_an_empty_choice(client, world, who):
    if who == "superuser":
        user = UserFactory(is_superuser=True, is_staff=True)
    else:
        user = UserFactory()
        staff_membership_create(organization=world.alpha.organization, user=user)
        staff_membership_create(organization=world.bravo.organization, user=user)
    client.force_login(user)
    for url in form_urls(world):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        select = organization_select(html)
        assert select is not None, url
        label = re.search(r'<label for="id_organization".*?</label>', html, re.S)
        assert "w-required-mark" in label.group(0), url  # marked required
        options = re.findall(r'<option value="([^"]*)"', select)
        assert options == [
            str(world.alpha.organization.pk),
            str(world.bravo.organization.pk),
        ], url


def test_only_organizations_whose_role_allows_it_are_offered(client, world):
    """Manager at Alpha, marketing at Bravo: locations are added at Alpha only,
    whatever organization is posted."""
    user = UserFactory()
    staff_membership_create(organization=world.alpha.organization, user=user)
    staff_membership_create(
        organization=world.bravo.organization, user=user, role=StaffRole.MARKETING
    )
    client.force_login(user)
    html = client.get(reverse("location:add")).content.decode()
    assert 'name="organization"' not in html
    assert "Bravo" not in html
    response = client.post(
        reverse("location:add"),
        {
            "organization": world.bravo.organization.pk,
            "name": "Posted Pool",
            "time_zone": "UTC",
            "sort_order": 0,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    with scopes_disabled():
        location = Location.objects.get(name="Posted Pool")
    assert location.organization == world.alpha.organization
