"""Factories for tests. Tenant objects are built with the real services."""

import datetime
import io
import itertools

import factory
from django.core.files.images import ImageFile
from django_scopes import scopes_disabled
from PIL import Image as PILImage
from wagtail.images.models import Image

from pages.models import (
    NewsIndexPage,
    NewsPage,
    PolicyIndexPage,
    PolicyPage,
    PortalHomePage,
    StaffMember,
    StaffPage,
)
from portal.accounts.models import User
from portal.tenancy.models import PortalMode
from portal.tenancy.services import (
    location_create,
    organization_create,
    staff_membership_create,
)

_counter = itertools.count(1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    first_name = "Pat"
    last_name = factory.Sequence(lambda n: f"Tester{n}")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-9")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def make_organization(*, name=None, slug=None, mode=PortalMode.ACTIVE, locations=1):
    n = next(_counter)
    with scopes_disabled():
        organization = organization_create(
            name=name or f"Org {n}", slug=slug or f"org-{n}", mode=mode
        )
        for i in range(locations):
            location_create(
                organization=organization,
                name=f"Location {i + 1}",
                address_line1=f"{i + 10} Pool Road",
                city="Springfield",
                phone=f"555-010{i}",
                email=f"loc{i}@example.com",
            )
    return organization


def make_staff(organization, **user_fields):
    user = UserFactory(**user_fields)
    staff_membership_create(organization=organization, user=user)
    return user


def make_image(organization, title="Picture", color=(20, 90, 160), description=""):
    buffer = io.BytesIO()
    PILImage.new("RGB", (320, 180), color).save(buffer, format="JPEG")
    image = Image(
        title=title, description=description, collection=organization.collection
    )
    image.file = ImageFile(buffer, name=f"{title.lower().replace(' ', '-')}.jpg")
    image.save()
    return image


def home_of(organization):
    return PortalHomePage.objects.get(organization=organization)


def make_news(organization, *, title="News item", on_landing=True, image=True, **kw):
    index = NewsIndexPage.objects.child_of(home_of(organization)).get()
    page = NewsPage(
        title=title,
        summary=kw.pop("summary", f"Summary of {title}"),
        show_on_landing=on_landing,
        image=make_image(organization, title, description="A test picture")
        if image
        else None,
        **kw,
    )
    index.add_child(instance=page)
    return page


def make_policy(organization, *, title="Waiver", **kw):
    index = PolicyIndexPage.objects.child_of(home_of(organization)).get()
    page = PolicyPage(title=title, body=f"<p>{title} text</p>", **kw)
    index.add_child(instance=page)
    return page


def make_staff_page(organization, *, title="Our Team", members=("Ana", "Ben")):
    page = StaffPage(title=title, slug="staff")
    for i, name in enumerate(members):
        page.members.add(StaffMember(name=name, role="Coach", sort_order=i))
    home_of(organization).add_child(instance=page)
    return page


def enable_welcome(organization, *, title="Hello families", body="<p>Hi!</p>"):
    home = home_of(organization)
    home.welcome_enabled = True
    home.welcome_title = title
    home.welcome_body = body
    home.save_revision().publish()
    return home


def make_family(
    organization,
    *,
    email=None,
    password="correct-horse-9",
    first_name="Jordan",
    last_name=None,
    students=(),
):
    """A registered family (primary guardian with a login) and its students."""
    from django.contrib.auth.hashers import make_password

    from portal.families.services import family_register, student_create

    n = next(_counter)
    with scopes_disabled():
        guardian = family_register(
            organization=organization,
            email=email or f"parent{n}@example.com",
            password_hash=make_password(password),
            first_name=first_name,
            last_name=last_name or f"Family{n}",
            relationship="mother",
            emails=[
                {
                    "email": email or f"parent{n}@example.com",
                    "email_type": "home",
                    "subscribed": True,
                }
            ],
            phones=[{"number": "555-0100", "phone_type": "mobile", "sms_opt_in": True}],
            address={"line1": "1 Main St", "city": "Springfield", "postal_code": "1"},
            send_welcome=False,
        )
        for i, name in enumerate(students):
            student_create(
                family=guardian.family,
                first_name=name,
                last_name=guardian.last_name,
                date_of_birth=datetime.date(2018, 1 + i, 1),
            )
    return guardian


def make_hold(student, *, expires_at, klass=None, event=None, party_slot=None):
    """A cart item: `student`'s seat in one class, camp or party slot, held
    until `expires_at` (in the past: an expired hold)."""
    from portal.cart.models import Cart, CartItem

    with scopes_disabled():
        cart, _created = Cart.objects.get_or_create(
            family_id=student.family_id,
            defaults={"organization_id": student.organization_id},
        )
        return CartItem.objects.create(
            organization_id=student.organization_id,
            cart=cart,
            student=student,
            klass=klass,
            event=event,
            party_slot=party_slot,
            expires_at=expires_at,
        )
