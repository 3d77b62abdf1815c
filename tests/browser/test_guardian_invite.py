"""A primary guardian adds a secondary guardian and invites them to log in."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth.hashers import make_password
from django.core import mail
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from portal.families.services import family_register
from tests.factories import make_organization

# The live server needs a transactional database; serialized_rollback brings
# back the rows migrations create (Wagtail's root page) after each flush.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "correct-horse-9"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    }


def assert_accessible(page, what):
    results = Axe().run(page)
    assert results.violations_count == 0, f"{what}: {results.generate_report()}"


def guardian_card(page, name):
    return page.locator("article.guardian-card").filter(
        has=page.get_by_role("heading", level=3, name=re.compile(f"^{name}"))
    )


def test_primary_invites_secondary_who_then_logs_in(live_server, page, new_context):
    swim = make_organization(slug="swim", name="Swim School")
    with scopes_disabled():
        family_register(
            organization=swim,
            email="mary@example.com",
            password_hash=make_password(PASSWORD),
            first_name="Mary",
            last_name="Smith",
            relationship="mother",
            emails=[
                {"email": "mary@example.com", "email_type": "home", "subscribed": True}
            ],
            phones=[{"number": "555-0100", "phone_type": "mobile", "sms_opt_in": True}],
            address={"line1": "1 Main St", "city": "Springfield", "postal_code": "1"},
        )
    base = f"{live_server.url}/portal/swim/"

    # The primary guardian logs in on the real Log In page.
    page.goto(base + "login/")
    page.get_by_label(re.compile("^Email")).fill("mary@example.com")
    page.get_by_label(re.compile("^Password")).fill(PASSWORD)
    page.get_by_role("button", name="Log In").click()
    expect(page).to_have_url(re.compile(r"/portal/swim/home/$"))

    page.goto(base + "account/")
    expect(page.get_by_role("heading", name="Account Information")).to_be_visible()
    assert_accessible(page, "My Account")

    # Add Guardian, with an email.
    page.get_by_role("link", name="Add Guardian").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add Guardian")
    assert_accessible(page, "Add Guardian form")
    page.get_by_role("button", name="Add Guardian").click()  # empty: errors
    expect(page.locator("#id_first_name_error")).to_contain_text("required")
    assert_accessible(page, "Add Guardian form with errors")
    page.get_by_label("First name").fill("John")
    page.get_by_label("Last name").fill("Smith")
    page.get_by_label("Relationship to the students").select_option("father")
    page.get_by_label(re.compile(r"^Email:?$")).fill("john@example.com")
    page.get_by_role("button", name="Add Guardian").click()
    expect(page).to_have_url(re.compile(r"/portal/swim/account/"))
    john = guardian_card(page, "John Smith")
    expect(john).to_contain_text("john@example.com")
    expect(john).to_contain_text("Not invited")

    # Send Invite Email.
    mail.outbox.clear()
    john.get_by_role("button", name=re.compile("^Send Invite Email")).click()
    expect(page.get_by_role("status")).to_contain_text("An invite was sent")
    expect(guardian_card(page, "John Smith")).to_contain_text("Invite Sent")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["john@example.com"]
    invite_url = re.search(r"https?://\S+/invite/\S+/", mail.outbox[0].body)[0]
    # The link leads back to the server (and port) the invite was sent from.
    assert invite_url.startswith(f"{live_server.url}/portal/swim/invite/")

    # John opens the link in his own browser, chooses a password, is logged in.
    john_page = new_context().new_page()
    john_page.goto(invite_url)
    expect(john_page.get_by_role("heading", level=1)).to_contain_text("Smith")
    john_page.get_by_label(re.compile("^Password")).fill("a long enough secret")
    john_page.get_by_label("Confirm password").fill("a long enough secret")
    john_page.get_by_role("button", name="Accept and Log In").click()
    expect(john_page).to_have_url(re.compile(r"/portal/swim/home/$"))
    john_page.goto(base + "account/")
    own = guardian_card(john_page, "John Smith")
    expect(own).to_contain_text("(you)")
    expect(own).to_contain_text("john@example.com")
    expect(guardian_card(john_page, "Mary Smith")).not_to_contain_text(
        "mary@example.com"
    )

    # Back with Mary: John can log in now, and his details are his own.
    page.reload()
    john = guardian_card(page, "John Smith")
    expect(john).to_contain_text("Can Log In")
    expect(john).not_to_contain_text("john@example.com")
    expect(john.get_by_role("link", name=re.compile("^Edit"))).to_have_count(0)
    expect(john.get_by_role("button", name=re.compile("^Revoke"))).to_be_visible()
    expect(
        john.get_by_role("button", name=re.compile("^Reset Password"))
    ).to_be_visible()
    assert_accessible(page, "My Account with a secondary who logs in")
