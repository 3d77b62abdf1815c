"""Create Account, policies, students, Forgot Password and Log In in a browser."""

import re

from django.core import mail
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from tests.factories import make_family, make_policy

from .support import BROWSER, DESKTOP, assert_no_axe_violations, build_portal

pytestmark = BROWSER


def _latest_code():
    subject = mail.outbox[-1].subject
    return re.search(r"\b(\d{6})\b", subject).group(1)


def test_create_account_policies_student_and_password_reset(page, portal_url, axe):
    organization = build_portal(welcome=False)
    make_policy(organization, title="Medical Consent", kind="student", required=True)
    mail.outbox.clear()
    page.set_viewport_size(DESKTOP)

    page.goto(portal_url("swim", "home/"))
    page.get_by_role("link", name="Create Account").first.click()
    expect(page.get_by_role("heading", name="Your login email")).to_be_visible()
    assert_no_axe_violations(axe, page, "register: email")
    page.get_by_label("Login email").fill("robin@example.com")
    page.get_by_label(re.compile("I am 18 or older")).check()
    page.get_by_role("button", name="Submit").click()

    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    page.get_by_label("Verification code").fill(_latest_code())
    page.get_by_role("button", name="Next").click()

    page.get_by_label("First name").fill("Robin")
    page.get_by_label("Last name").fill("Marsh")
    page.get_by_label("Father").check()
    page.get_by_role("button", name="Next").click()

    expect(page.get_by_label("Email", exact=True)).to_have_value("robin@example.com")
    assert_no_axe_violations(axe, page, "register: contact")
    page.get_by_label("Phone", exact=True).fill("(217) 555-0166")
    page.get_by_text("Yes, send me emergency").click()
    page.get_by_role("button", name="Next").click()

    page.get_by_label("Password", exact=True).fill("a pond full of frogs")
    page.get_by_label("Confirm password").fill("a pond full of frogs")
    page.get_by_role("button", name="Next").click()

    page.get_by_label("Address", exact=True).fill("9 Reed Lane")
    page.get_by_label("City").fill("Springfield")
    page.get_by_label("Postal code").fill("62704")
    page.get_by_role("button", name="Next").click()

    expect(page.get_by_text("9 Reed Lane")).to_be_visible()
    page.get_by_role("button", name="Create Account").click()

    # Required family policy first.
    expect(
        page.get_by_role("heading", name="Please review our policies")
    ).to_be_visible()
    assert_no_axe_violations(axe, page, "policies review")
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_text("Accept every required policy")).to_be_visible()
    page.get_by_label("I accept").check()
    page.get_by_role("button", name="Next").click()

    page.get_by_role("link", name="Yes, Create a Student").click()
    assert_no_axe_violations(axe, page, "student form")
    page.get_by_label("First name").fill("Pip")
    page.get_by_label("Last name").fill("Marsh")
    page.get_by_label("Date of birth").fill("2019-06-15")
    details = page.get_by_label("Details")
    expect(details).to_be_hidden()
    page.get_by_label("Yes").check()
    expect(details).to_be_visible()
    details.fill("Allergic to bee stings")
    page.get_by_role("button", name="Save").click()

    dialog = page.get_by_role("dialog", name="Student created")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()
    fieldset = page.get_by_role("group", name=re.compile("Medical Consent"))
    fieldset.get_by_label("I reject").check()
    page.get_by_role("group", name=re.compile("Health Rules")).get_by_label(
        "I accept"
    ).check()
    page.get_by_role("button", name="Next").click()

    expect(page.get_by_role("heading", name="My Account")).to_be_visible()
    expect(
        page.get_by_text("Cannot enroll: a required policy was rejected")
    ).to_be_visible()
    expect(page.get_by_text("Allergies / health")).to_be_visible()
    assert_no_axe_violations(axe, page, "my account")

    # Log out, then Forgot Password.
    menu = page.locator("details.menu-dropdown")
    menu.locator("summary").click()
    menu.get_by_role("button", name="Log Out").click()
    expect(page.get_by_role("link", name="Click to Begin")).to_be_visible()
    page.goto(portal_url("swim", "login/"))
    assert_no_axe_violations(axe, page, "log in")
    page.get_by_role("link", name="Forgot Password").click()
    page.get_by_label("Email").fill("robin@example.com")
    page.get_by_role("button", name="Send Code").click()
    page.get_by_label("Verification code").fill(_latest_code())
    page.get_by_label("Password", exact=True).fill("new frogs in the pond")
    page.get_by_label("Confirm password").fill("new frogs in the pond")
    page.get_by_role("button", name="Save Password").click()
    expect(page.get_by_role("link", name="My Account").first).to_be_visible()

    page.context.clear_cookies()
    page.goto(portal_url("swim", "login/"))
    page.get_by_label("Email").fill("robin@example.com")
    page.get_by_label("Password").fill("new frogs in the pond")
    page.get_by_role("button", name="Log In").click()
    expect(page).to_have_url(portal_url("swim", "home/"))
    expect(page.locator(".tile-login")).to_have_count(0)
    expect(page.locator("form[action$='/logout/']").first).to_be_attached()


def test_suspended_family_is_refused(page, portal_url):
    organization = build_portal(welcome=False)
    guardian = make_family(organization, email="held@example.com")
    with scopes_disabled():
        guardian.family.is_suspended = True
        guardian.family.save()
    page.goto(portal_url("swim", "login/"))
    page.get_by_label("Email").fill("held@example.com")
    page.get_by_label("Password").fill("correct-horse-9")
    page.get_by_role("button", name="Log In").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("suspended")
    expect(alert).to_contain_text("555-0100")
    expect(page).to_have_url(re.compile(r"/login/$"))


def test_account_pages_have_no_axe_violations(page, portal_url, axe, live_server):
    organization = build_portal(welcome=False)
    make_policy(organization, title="Medical Consent", kind="student", required=True)
    guardian = make_family(organization, email="axe@example.com", students=("Ada",))
    with scopes_disabled():
        student = guardian.family.students.get()
        _enroll_with_a_cancelled_meeting(organization, student)
    page.set_viewport_size(DESKTOP)
    for path, what in (
        ("password/forgot/", "forgot password"),
        ("register/email/", "register email"),
    ):
        page.goto(portal_url("swim", path))
        assert_no_axe_violations(axe, page, what)
    # Error states too.
    page.goto(portal_url("swim", "login/"))
    page.get_by_role("button", name="Log In").click()
    expect(page.locator(".errorlist").first).to_be_visible()
    assert_no_axe_violations(axe, page, "log in with errors")

    page.get_by_label("Email").fill("axe@example.com")
    page.get_by_label("Password").fill("correct-horse-9")
    page.get_by_role("button", name="Log In").click()
    expect(
        page.get_by_role("heading", name="Please review our policies")
    ).to_be_visible()
    page.get_by_role("group", name=re.compile("Liability Waiver")).get_by_label(
        "I accept"
    ).check()
    page.get_by_role("group", name=re.compile("Medical Consent")).get_by_label(
        "I accept"
    ).check()
    page.get_by_role("button", name="Next").click()
    expect(page).to_have_url(portal_url("swim", "home/"))
    expect(page.get_by_text("Cancelled: Pool closed")).to_be_visible()
    for path, what in (
        ("home/", "dashboard with Coming Up!"),
        ("account/policies/family/", "family policies"),
        ("account/policies/student/", "student policies"),
        (f"account/students/{student.pk}/policies/", "one student's policies"),
        (f"account/students/{student.pk}/edit/", "edit student"),
        ("account/security/", "change password"),
        ("account/students/start/", "create a student?"),
    ):
        page.goto(portal_url("swim", path))
        assert_no_axe_violations(axe, page, what)
    page.goto(portal_url("swim", "account/students/add/"))
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".errorlist").first).to_be_visible()
    assert_no_axe_violations(axe, page, "student form with errors")


def test_invite_accept_page_has_no_axe_violations(page, portal_url, axe):
    from portal.families.models import ContactEmail
    from portal.families.services import guardian_add, guardian_invite_send

    organization = build_portal(welcome=False)
    primary = make_family(organization, email="primary@example.com")
    with scopes_disabled():
        second = guardian_add(
            actor=primary, first_name="Sky", last_name="Lee", relationship="father"
        )
        ContactEmail.objects.create(
            organization=organization,
            family=primary.family,
            guardian=second,
            email="sky@example.com",
        )
        token = guardian_invite_send(actor=primary, guardian=second)
    page.goto(portal_url("swim", f"invite/{token}/"))
    expect(page.get_by_role("heading", name=re.compile("Join the"))).to_be_visible()
    assert_no_axe_violations(axe, page, "invite accept")
    page.goto(portal_url("swim", "invite/not-a-token/"))
    expect(
        page.get_by_role("heading", name=re.compile("no longer valid"))
    ).to_be_visible()
    assert_no_axe_violations(axe, page, "invite invalid")


def _enroll_with_a_cancelled_meeting(organization, student):
    import datetime

    from django.utils import timezone

    from portal.catalog.models import Blackout, Program
    from portal.catalog.services import class_create, record_create
    from portal.enrollments.services import enrollment_add

    today = timezone.localdate()
    program = record_create(Program, organization=organization, name="Swim")
    klass = class_create(
        organization=organization,
        name="Daily Dolphins",
        program=program,
        location=organization.locations.get(is_primary=True),
        season_start=today,
        season_end=today + datetime.timedelta(days=60),
        schedules=[
            {
                "weekday": d,
                "start_time": datetime.time(23),
                "end_time": datetime.time(23, 30),
            }
            for d in range(7)
        ],
    )
    enrollment_add(student=student, klass=klass)
    tomorrow = today + datetime.timedelta(days=1)
    record_create(
        Blackout,
        organization=organization,
        name="Pool closed",
        start_date=tomorrow,
        end_date=tomorrow,
    )
