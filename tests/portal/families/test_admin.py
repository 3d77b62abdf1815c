"""Staff see and change only their own organization's families and lookups."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled

from portal.families.models import Family, Guardian, Student
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
        "bravo": bravo,
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


# Search ------------------------------------------------------------------


@pytest.fixture
def searchable(setup):
    """Alpha's family "Anderson" has a second guardian, Okafor, with their own
    e-mail and phone; Bravo has a family whose guardian has the same name."""
    from portal.families.services import contact_add, guardian_add

    with scopes_disabled():
        actor = Guardian.objects.get(family=setup["a_family"], is_primary=True)
        okafor = guardian_add(
            actor=actor, first_name="Ngozi", last_name="Okafor", relationship="mother"
        )
        contact_add(
            actor=actor,
            kind="email",
            guardian=okafor,
            email="ngozi.okafor@example.net",
            email_type="work",
        )
        contact_add(
            actor=actor,
            kind="phone",
            guardian=okafor,
            number="(312) 555-0199",
            phone_type="mobile",
        )
    b_guardian = make_family(setup["bravo"], last_name="Bravoclan", students=("Bo",))
    with scopes_disabled():
        b_actor = b_guardian.family.guardians.get()
        guardian_add(
            actor=b_actor, first_name="Ngozi", last_name="Okafor", relationship="mother"
        )
    return setup


@pytest.mark.parametrize("listing", ["family:index", "student:index"])
@pytest.mark.parametrize(
    "query",
    [
        "Okafor",
        "okaf",
        "ngozi.okafor@example.net",
        "(312) 555-0199",
        "555-0199",
        "3125550199",
    ],
)
def test_staff_search_finds_by_guardian_name_email_and_phone(
    client, searchable, listing, query
):
    response = client.get(reverse(listing), {"q": query})
    assert response.status_code == 200
    rows = list(response.context["object_list"])
    expected = "Anderson" if listing == "family:index" else "Amy"
    assert [str(row).split()[0] for row in rows] == [expected]
    html = response.content.decode()
    assert "Bravoclan" not in html and "Bo " not in html


def test_search_runs_on_the_index_not_on_guardian_rows(client, searchable):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("family:index"), {"q": "Okafor"})
    assert [str(row) for row in response.context["object_list"]] == ["Anderson"]
    sql = [q["sql"].lower() for q in queries.captured_queries]
    assert any("wagtailsearch_" in q for q in sql)
    assert not any("families_guardian" in q or "families_contact" in q for q in sql)


def test_search_index_follows_guardian_and_contact_changes(client, searchable):
    from portal.families.models import ContactEmail
    from portal.families.services import contact_update, guardian_update

    with scopes_disabled():
        actor = Guardian.objects.get(family=searchable["a_family"], is_primary=True)
        okafor = Guardian.objects.get(family=searchable["a_family"], last_name="Okafor")
        guardian_update(actor=actor, guardian=okafor, last_name="Eze")
        email = ContactEmail.objects.get(guardian=okafor)
        contact_update(actor=actor, contact=email, email="ngozi@eze.example.org")

    def found(query):
        response = client.get(reverse("family:index"), {"q": query})
        return [str(row) for row in response.context["object_list"]]

    assert found("Eze") == ["Anderson"]
    assert found("ngozi@eze.example.org") == ["Anderson"]
    assert found("ngozi.okafor@example.net") == []


def test_families_from_before_the_index_are_found_after_rebuilding_it(
    client, searchable
):
    from django.core.management import call_command
    from wagtail.search.models import IndexEntry

    IndexEntry.objects.all().delete()
    assert (
        list(
            client.get(reverse("family:index"), {"q": "Okafor"}).context["object_list"]
        )
        == []
    )
    call_command("update_family_index", verbosity=0)
    found = client.get(reverse("family:index"), {"q": "Okafor"}).context["object_list"]
    assert [str(row) for row in found] == ["Anderson"]
