import datetime

import pytest
from django_scopes import scopes_disabled

from portal.families.models import CustomFieldValue, PolicyAnswer, Student
from portal.families.selectors import pending_required_policies
from snippets.models import CustomField
from tests.factories import make_family, make_organization, make_policy

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    return make_organization(slug="swim")


@pytest.fixture
def family_client(client, org):
    guardian = make_family(org, email="mom@example.com", students=("Mia",))
    client.force_login(guardian.user)
    client.guardian = guardian
    return client


STUDENT = {
    "first_name": "Leo",
    "last_name": "Lake",
    "date_of_birth": "2019-04-02",
    "gender": "male",
    "has_allergies": "no",
    "allergy_details": "",
}


def _students(guardian):
    with scopes_disabled():
        return list(Student.objects.filter(family=guardian.family).order_by("pk"))


def test_anonymous_is_sent_to_log_in(client, org):
    for url in (
        "/portal/swim/account/",
        "/portal/swim/account/students/add/",
        "/portal/swim/account/policies/",
        "/portal/swim/account/policies/family/",
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/portal/swim/login/?next=")


def test_account_page_lists_students_and_contacts(family_client):
    html = family_client.get("/portal/swim/account/").content.decode()
    assert "Your Students" in html and "Mia" in html
    assert "mom@example.com" in html and "Login" in html
    assert "Change Password" in html


def test_add_student_with_allergies(family_client):
    response = family_client.post(
        "/portal/swim/account/students/add/",
        {**STUDENT, "has_allergies": "yes", "allergy_details": "Peanuts"},
    )
    assert response.status_code == 302
    leo = _students(family_client.guardian)[-1]
    assert leo.first_name == "Leo" and leo.has_allergies
    assert leo.allergy_details == "Peanuts"
    assert (
        response["Location"]
        == f"/portal/swim/account/students/{leo.pk}/policies/?new=1"
    )


@pytest.mark.parametrize(
    "changes,message",
    [
        ({"first_name": ""}, "This field is required."),
        ({"date_of_birth": "2999-01-01"}, "cannot be in the future"),
        ({"date_of_birth": "not a date"}, "Enter a valid date."),
        ({"has_allergies": "yes", "allergy_details": " "}, "Describe the allergies"),
        ({"gender": "robot"}, "Select a valid choice."),
    ],
)
def test_add_student_bad_input_saves_nothing(family_client, changes, message):
    before = len(_students(family_client.guardian))
    response = family_client.post(
        "/portal/swim/account/students/add/", {**STUDENT, **changes}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert len(_students(family_client.guardian)) == before


def test_gender_required_when_the_organization_says_so(family_client, org):
    with scopes_disabled():
        org.portal_settings.require_student_gender = True
        org.portal_settings.save()
    response = family_client.post(
        "/portal/swim/account/students/add/", {**STUDENT, "gender": ""}
    )
    assert "This field is required." in response.content.decode()
    assert len(_students(family_client.guardian)) == 1


def test_student_custom_fields(family_client, org):
    with scopes_disabled():
        school = CustomField.objects.create(
            organization=org, label="School", applies_to="student", required=True
        )
    missing = family_client.post("/portal/swim/account/students/add/", STUDENT)
    assert "This field is required." in missing.content.decode()
    family_client.post(
        "/portal/swim/account/students/add/",
        {**STUDENT, f"c-custom_{school.pk}": "Lincoln Elementary"},
    )
    with scopes_disabled():
        value = CustomFieldValue.objects.get(definition=school)
    assert value.value == "Lincoln Elementary" and value.student.first_name == "Leo"


def test_edit_student(family_client):
    mia = _students(family_client.guardian)[0]
    url = f"/portal/swim/account/students/{mia.pk}/edit/"
    assert 'value="Mia"' in family_client.get(url).content.decode()
    response = family_client.post(url, {**STUDENT, "first_name": "Amelia"})
    assert response.status_code == 302
    with scopes_disabled():
        mia.refresh_from_db()
    assert mia.first_name == "Amelia"
    bad = family_client.post(url, {**STUDENT, "first_name": ""})
    assert bad.status_code == 200
    with scopes_disabled():
        mia.refresh_from_db()
    assert mia.first_name == "Amelia"


def test_other_familys_student_is_404(family_client, org):
    other = make_family(org, email="other@example.com", students=("Zed",))
    zed = _students(other)[0]
    make_policy(org, title="Medical", kind="student")
    for url in (
        f"/portal/swim/account/students/{zed.pk}/edit/",
        f"/portal/swim/account/students/{zed.pk}/policies/",
    ):
        assert family_client.get(url).status_code == 404
        assert (
            family_client.post(url, {**STUDENT, "policy_1": "accept"}).status_code
            == 404
        )
    with scopes_disabled():
        zed.refresh_from_db()
        assert zed.first_name == "Zed"
        assert not PolicyAnswer.objects.filter(student=zed).exists()


def test_other_organizations_student_is_404(family_client):
    gym = make_organization(slug="gym")
    other = make_family(gym, email="gym@example.com", students=("Gus",))
    gus = _students(other)[0]
    assert (
        family_client.get(f"/portal/swim/account/students/{gus.pk}/edit/").status_code
        == 404
    )
    # and the swim family's own student is not reachable under the gym portal
    mia = _students(family_client.guardian)[0]
    response = family_client.get(f"/portal/gym/account/students/{mia.pk}/edit/")
    assert response.status_code == 302  # not a gym family: sent to log in


def test_rejecting_a_required_student_policy_marks_the_student(family_client, org):
    policy = make_policy(org, title="Medical", kind="student", required=True)
    mia = _students(family_client.guardian)[0]
    url = f"/portal/swim/account/students/{mia.pk}/policies/"
    missing = family_client.post(url, {})
    assert "Choose I accept or I reject." in missing.content.decode()
    family_client.post(url, {f"policy_{policy.pk}": "reject"})
    html = family_client.get("/portal/swim/account/").content.decode()
    assert "Cannot enroll" in html
    family_client.post(url, {f"policy_{policy.pk}": "accept"})
    assert (
        "Cannot enroll"
        not in family_client.get("/portal/swim/account/").content.decode()
    )
    with scopes_disabled():
        assert PolicyAnswer.objects.filter(student=mia).count() == 2  # history kept


def test_policies_review_requires_family_acceptance(family_client, org):
    waiver = make_policy(org, title="Waiver", kind="family", required=True)
    medical = make_policy(org, title="Medical", kind="student", required=True)
    make_policy(org, title="Photos", kind="family", required=False)
    mia = _students(family_client.guardian)[0]
    page = family_client.get("/portal/swim/account/policies/").content.decode()
    assert "Waiver" in page and "Medical" in page and "Photos" not in page
    family_key = f"policy_{waiver.pk}_f"
    student_key = f"policy_{medical.pk}_{mia.pk}"
    refused = family_client.post(
        "/portal/swim/account/policies/", {student_key: "reject"}
    )
    assert "Accept every required policy" in refused.content.decode()
    with scopes_disabled():
        assert not PolicyAnswer.objects.exists()
    ok = family_client.post(
        "/portal/swim/account/policies/", {family_key: "accept", student_key: "reject"}
    )
    assert ok["Location"] == "/portal/swim/home/"
    with scopes_disabled():
        assert pending_required_policies(family=family_client.guardian.family) == []


def test_new_policy_version_is_asked_again(family_client, org):
    waiver = make_policy(org, title="Waiver", kind="family", required=True)
    key = f"policy_{waiver.pk}_f"
    family_client.post("/portal/swim/account/policies/", {key: "accept"})
    assert family_client.get("/portal/swim/account/policies/").status_code == 302
    waiver.version = 2
    waiver.save_revision().publish()
    assert (
        "Waiver" in family_client.get("/portal/swim/account/policies/").content.decode()
    )
    family_client.post("/portal/swim/logout/")
    response = family_client.post(
        "/portal/swim/login/",
        {"email": "mom@example.com", "password": "correct-horse-9"},
    )
    assert response["Location"] == "/portal/swim/account/policies/"


def test_policies_not_shown_on_web_are_not_asked(family_client, org):
    make_policy(org, title="Internal", kind="family", required=True, show_on_web=False)
    assert family_client.get("/portal/swim/account/policies/").status_code == 302


def test_family_and_student_policy_lists_and_answers(family_client, org):
    photos = make_policy(org, title="Photos", kind="family", required=False)
    waiver = make_policy(org, title="Waiver", kind="family", required=True)
    html = family_client.get("/portal/swim/account/policies/family/").content.decode()
    assert "Photos" in html and "Not answered" in html
    family_client.post(
        f"/portal/swim/account/policies/answer/{photos.pk}/", {"answer": "reject"}
    )
    refused = family_client.post(
        f"/portal/swim/account/policies/answer/{waiver.pk}/",
        {"answer": "reject"},
        follow=True,
    )
    assert "Accept every required policy" in refused.content.decode()
    with scopes_disabled():
        answers = list(PolicyAnswer.objects.values_list("policy_title", "accepted"))
    assert answers == [("Photos", False)]
    assert family_client.get("/portal/swim/account/policies/other/").status_code == 404


def test_answer_for_other_organizations_policy_is_404(family_client):
    gym = make_organization(slug="gym")
    foreign = make_policy(gym, title="Gym rules", kind="family")
    response = family_client.post(
        f"/portal/swim/account/policies/answer/{foreign.pk}/", {"answer": "accept"}
    )
    assert response.status_code == 404


def test_student_start_and_create_flow(family_client):
    html = family_client.get("/portal/swim/account/students/start/").content.decode()
    assert "Yes, Create a Student" in html


def test_age_on_counts_whole_months():
    student = Student(date_of_birth=datetime.date(2018, 5, 20))
    assert student.age_on(datetime.date(2024, 5, 19)) == (5, 11)
    assert student.age_on(datetime.date(2024, 5, 20)) == (6, 0)
    assert student.age_on(datetime.date(2017, 1, 1)) == (0, 0)


@pytest.mark.parametrize("count", [1, 12])
def test_account_page_queries_do_not_grow(
    client, org, django_assert_max_num_queries, count
):
    guardian = make_family(
        org, email="many@example.com", students=[f"Kid{i}" for i in range(count)]
    )
    make_policy(org, title="Medical", kind="student", required=True)
    client.force_login(guardian.user)
    client.get("/portal/swim/account/")
    with django_assert_max_num_queries(20):
        client.get("/portal/swim/account/")
