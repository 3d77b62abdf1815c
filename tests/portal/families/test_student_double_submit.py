"""Add Student sent twice (a double click, a reload) adds one student."""

import re

import pytest
from django.test import Client
from django_scopes import scopes_disabled

from portal.families.models import Student
from tests.factories import make_family, make_organization

pytestmark = pytest.mark.django_db

ADD = "/portal/swim/account/students/add/"
LEO = {
    "first_name": "Leo",
    "last_name": "Lake",
    "date_of_birth": "2019-04-02",
    "gender": "male",
    "has_allergies": "no",
    "allergy_details": "",
}


@pytest.fixture
def org():
    return make_organization(slug="swim")


def logged_in(org, email):
    guardian = make_family(org, email=email, students=("Mia",))
    client = Client()
    client.force_login(guardian.user)
    client.guardian = guardian
    return client


def form_token(client):
    html = client.get(ADD).content.decode()
    match = re.search(r'<input type="hidden" name="form_token" value="([^"]+)"', html)
    assert match, "the form carries a one-time token"
    return match[1]


def students(guardian, first_name="Leo"):
    with scopes_disabled():
        return list(
            Student.objects.filter(family=guardian.family, first_name=first_name)
        )


def test_the_same_form_sent_twice_adds_one_student(org):
    client = logged_in(org, "mom@example.com")
    token = form_token(client)
    first = client.post(ADD, {**LEO, "form_token": token})
    second = client.post(ADD, {**LEO, "form_token": token})
    [leo] = students(client.guardian)
    expected = f"/portal/swim/account/students/{leo.pk}/policies/?new=1"
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == expected
    # The parent, who sees only the second answer, is told the student was added.
    page = client.get(second["Location"], follow=True).content.decode()
    assert page.count("Leo Lake was added to your family.") == 1


def test_each_new_form_adds_its_own_student(org):
    client = logged_in(org, "mom@example.com")
    client.post(ADD, {**LEO, "form_token": form_token(client)})
    client.post(ADD, {**LEO, "form_token": form_token(client)})
    assert len(students(client.guardian)) == 2
    assert form_token(client) != form_token(client)


def test_a_refused_form_keeps_its_token_for_the_corrected_send(org):
    client = logged_in(org, "mom@example.com")
    token = form_token(client)
    refused = client.post(ADD, {**LEO, "first_name": "", "form_token": token})
    assert refused.status_code == 200
    assert "This field is required." in refused.content.decode()
    assert f'value="{token}"' in refused.content.decode()
    assert students(client.guardian, first_name="") == []
    assert client.post(ADD, {**LEO, "form_token": token}).status_code == 302
    assert len(students(client.guardian)) == 1


def test_another_family_with_the_same_token_adds_its_own_student(org):
    mom = logged_in(org, "mom@example.com")
    other = logged_in(org, "other@example.com")
    token = form_token(mom)
    mom.post(ADD, {**LEO, "form_token": token})
    response = other.post(ADD, {**LEO, "form_token": token})
    [mine] = students(mom.guardian)
    [theirs] = students(other.guardian)
    assert response["Location"] == (
        f"/portal/swim/account/students/{theirs.pk}/policies/?new=1"
    )
    assert mine.pk != theirs.pk


def test_the_other_organization_cannot_use_the_form(org):
    """Wrong tenant: the family of one organization is unknown at another."""
    client = logged_in(org, "mom@example.com")
    make_organization(slug="gym")
    response = client.post(
        "/portal/gym/account/students/add/", {**LEO, "form_token": "x"}
    )
    assert response.status_code in (302, 404)
    assert students(client.guardian) == []
