"""Every billing admin page has one visible <h1> with its title (Wagtail's
shared header: a context variable called `heading` would replace the <h1>)."""

import datetime
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from portal.billing.models import BillingRun
from portal.tenancy.models import StaffRole
from portal.tenancy.services import staff_membership_create
from tests.factories import make_family, make_organization, make_staff
from tests.factories.batch import make_staff_with_role

pytestmark = pytest.mark.django_db


class Headings(HTMLParser):
    """The text of each <h1>, and the hidden elements it sits in."""

    def __init__(self):
        super().__init__()
        self.found = []
        self.open = []
        self.hidden = 0
        self.depth = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        hides = "hidden" in attrs or "visuallyhidden" in (attrs.get("class") or "")
        if tag in ("br", "img", "input", "meta", "link", "use", "path", "hr"):
            return
        self.depth.append(hides)
        self.hidden += hides
        if tag == "h1":
            self.open.append({"text": "", "hidden": self.hidden > 0})

    def handle_endtag(self, tag):
        if tag in ("br", "img", "input", "meta", "link", "use", "path", "hr"):
            return
        if tag == "h1" and self.open:
            self.found.append(self.open.pop())
        if self.depth:
            self.hidden -= self.depth.pop()

    def handle_data(self, data):
        for heading in self.open:
            heading["text"] += data


def headings(response):
    parser = Headings()
    parser.feed(response.content.decode())
    return [
        (re.sub(r"\s+", " ", found["text"]).strip(), found["hidden"])
        for found in parser.found
    ]


@pytest.fixture
def org():
    return make_organization(name="Alpha Swim")


@pytest.fixture
def manager(org):
    return make_staff(org, first_name="Mona")


@pytest.fixture
def family(org):
    return make_family(org, first_name="Robin", last_name="Adams").family


@pytest.fixture
def run(org):
    with scopes_disabled():
        return BillingRun.objects.create(
            organization=org,
            idempotency_key="titles-run",
            month=datetime.date(2026, 3, 1),
        )


def pages(org, family, run):
    """(URL, the <h1> text: title and subtitle)."""
    record = [family.pk]
    return [
        (reverse("billing_gateway_edit", args=[org.pk]), "Payment gateway Alpha Swim"),
        (reverse("billing_tuition"), "Tuition billing"),
        (reverse("billing_tuition_new"), "New billing run Tuition billing"),
        (
            reverse("billing_tuition_run", args=[run.pk]),
            "Tuition for March 2026 Alpha Swim",
        ),
        (reverse("billing_report_aging"), "Aging by family Billing reports"),
        (
            reverse("billing_report_payments"),
            "Payments by day and method Billing reports",
        ),
        (reverse("billing_family_record", args=record), "Adams Family record"),
        (reverse("billing_family_charge", args=record), "Post a charge Adams"),
        (reverse("billing_family_payment", args=record), "Record a payment Adams"),
        (reverse("billing_family_refund", args=record), "Refund a payment Adams"),
        (reverse("billing_family_credit", args=record), "Give a credit Adams"),
        (
            reverse("billing_family_adjustment", args=record),
            "Post an adjustment Adams",
        ),
        (reverse("billing_family_reverse", args=record), "Reverse an entry Adams"),
        (reverse("billing_batch_index"), "Print statements"),
    ]


def test_each_billing_admin_page_has_one_h1_with_its_title(
    client, org, manager, family, run
):
    client.force_login(manager)
    seen = {}
    for url, _title in pages(org, family, run):
        response = client.get(url)
        assert response.status_code == 200, url
        seen[url] = headings(response)
    assert seen == {url: [(title, False)] for url, title in pages(org, family, run)}


def test_the_gateway_list_of_a_manager_of_two_organizations(client, org, manager):
    staff_membership_create(
        organization=make_organization(name="Bravo Gym"), user=manager
    )
    client.force_login(manager)
    response = client.get(reverse("billing_gateway_index"))
    assert response.status_code == 200
    assert headings(response) == [("Payment gateway", False)]


def test_the_family_record_refusal_has_its_title(client, org, family):
    client.force_login(make_staff_with_role(org, StaffRole.MARKETING))
    response = client.get(reverse("billing_family_record", args=[family.pk]))
    assert response.status_code == 403
    assert headings(response) == [("Family records", False)]
