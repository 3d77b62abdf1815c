"""Staff see and change only their own organization's families and lookups."""

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from portal.families.models import Family, Student
from snippets.models import CustomField, ReferralSource
from tests.factories import make_family, make_organization, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(client):
    alpha = make_organization(name="Alpha Swim", slug="alpha")
    bravo = make_organization(name="Bravo Gym", slug="bravo")
    a_family = make_family(alpha, last_name="Anderson", students=("Amy",)).family
    b_family = make_family(bravo, last_name="Bravofamily", students=("Bart",)).family
    with scopes_disabled():
        a_source = ReferralSource.objects.create(organization=alpha, name="Alpha flyer")
        b_source = ReferralSource.objects.create(organization=bravo, name="Bravo radio")
        b_field = CustomField.objects.create(
            organization=bravo, label="Bravo shoe size"
        )
        b_student = Student.objects.get(family=b_family)
    staff = make_staff(alpha)
    client.force_login(staff)
    return {
        "alpha": alpha,
        "a_family": a_family,
        "b_family": b_family,
        "a_source": a_source,
        "b_source": b_source,
        "b_field": b_field,
        "b_student": b_student,
    }


@pytest.mark.parametrize(
    "name,secret",
    [
        ("family:index", "Bravofamily"),
        ("student:index", "Bart"),
        ("referralsource:index", "Bravo radio"),
        ("customfield:index", "Bravo shoe size"),
    ],
)
def test_listings_show_only_own_organization(client, setup, name, secret):
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert secret not in response.content.decode()


@pytest.mark.parametrize(
    "name,key",
    [
        ("family:edit", "b_family"),
        ("student:edit", "b_student"),
        ("referralsource:edit", "b_source"),
        ("customfield:edit", "b_field"),
        ("referralsource:delete", "b_source"),
        ("customfield:delete", "b_field"),
    ],
)
def test_other_organizations_rows_are_refused(client, setup, name, key):
    obj = setup[key]
    url = reverse(name, args=[obj.pk])
    assert client.get(url).status_code in (403, 404)
    assert client.post(url, {"name": "Hacked", "is_suspended": "on"}).status_code in (
        403,
        404,
    )
    with scopes_disabled():
        fresh = type(obj).objects.get(pk=obj.pk)
    assert str(fresh) == str(obj)
    if isinstance(fresh, Family):
        assert not fresh.is_suspended


def test_staff_suspends_own_family(client, setup):
    family = setup["a_family"]
    url = reverse("family:edit", args=[family.pk])
    response = client.post(url, {"name": family.name, "is_suspended": "on"})
    assert response.status_code == 302
    with scopes_disabled():
        family.refresh_from_db()
    assert family.is_suspended


def test_staff_adds_referral_source_for_own_organization(client, setup):
    response = client.post(
        reverse("referralsource:add"),
        {"name": "Radio ad", "is_active": "on", "sort_order": 3},
    )
    assert response.status_code == 302
    with scopes_disabled():
        created = ReferralSource.objects.get(name="Radio ad")
    assert created.organization == setup["alpha"]


def test_custom_choice_field_needs_choices(client, setup):
    response = client.post(
        reverse("customfield:add"),
        {
            "label": "T-shirt size",
            "applies_to": "student",
            "field_type": "choice",
            "choices": "Only one",
            "visible_to_customers": "on",
            "sort_order": 0,
        },
    )
    assert response.status_code == 200
    assert "Give at least two choices." in response.content.decode()
    with scopes_disabled():
        assert not CustomField.objects.filter(label="T-shirt size").exists()
