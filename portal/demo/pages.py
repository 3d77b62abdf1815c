"""The demo's content pages: landing welcome, news, staff page, policies."""

import datetime
import io

from django.core.files.images import ImageFile
from django.utils import timezone
from wagtail.images.models import Image
from wagtail.rich_text import RichText

from pages.models import (
    NewsIndexPage,
    NewsPage,
    PolicyIndexPage,
    PolicyKind,
    PolicyPage,
    PortalHomePage,
    StaffMember,
    StaffPage,
)
from portal.tenancy.models import Organization

from . import images

TAGLINE = "Swim lessons for every age, at two pools in Springfield."
WELCOME_TITLE = "Welcome to Splash Academy!"
WELCOME_BODY = (
    "<p>We are glad you are here. Catch up on the <b>News</b> and meet "
    "our instructors under <b>More</b>.</p>"
    "<ul><li>Arrive 10 minutes early for your first lesson.</li>"
    "<li>Bring a swimsuit, towel and goggles.</li></ul>"
)

NEWS_INTRO = "<p>What is happening at Splash Academy.</p>"
NEWS_IMAGE_ALT = "A swimming pool with lane ropes"
NEWS_ON_LANDING = 3  # the first three items are slides on the landing
# (title, summary, body text); one item every three days back from today.
NEWS = [
    (
        "Winter session registration is open",
        "Book lessons for January to March now; returning swimmers keep their "
        "spot until December 15.",
        "Our winter session runs from January 6 to March 28. Every level from "
        "Parent & Tot to Swim Team prep has classes at both pools.",
    ),
    (
        "New evening classes at Riverside",
        "Tuesday and Thursday evening lessons for school-age swimmers start next "
        "month.",
        "Families asked for later times, so Riverside now runs classes until "
        "8 pm on Tuesdays and Thursdays.",
    ),
    (
        "Holiday swim camp",
        "Five mornings of games, skills and safety during the winter break.",
        "Camp runs December 22 to 26 for ages 5 to 12. Bring a towel, goggles "
        "and a water bottle.",
    ),
    (
        "Pool maintenance at Northside",
        "Northside closes for two days of filter maintenance; lessons move to "
        "Riverside.",
        "No lessons are lost: affected classes are rescheduled automatically.",
    ),
]

STAFF_PAGE_TITLE = "Our Instructors"
STAFF_PAGE_INTRO = "<p>Certified, patient and fond of puns about water.</p>"
# (name, role, bio)
STAFF = [
    ("Maya Thompson", "Aquatics Director", "Maya has taught swimming for 15 years."),
    ("Jordan Lee", "Head Coach", "Jordan coaches our swim team prep groups."),
    ("Priya Nair", "Lead Instructor", "Priya specialises in our youngest swimmers."),
    ("Sam Ortega", "Front Desk Manager", "Sam is the voice you hear when you call."),
]

# (title, kind, required, shown on the web, text)
POLICIES = [
    (
        "Liability Waiver",
        PolicyKind.FAMILY,
        True,
        True,
        "Swimming carries risks. By accepting you confirm that your family "
        "follows pool rules and instructor directions.",
    ),
    (
        "Photo Release",
        PolicyKind.FAMILY,
        False,
        True,
        "We sometimes photograph classes for our newsletter. Tell the front desk "
        "if you prefer your students not to appear.",
    ),
    (
        "Health and Safety",
        PolicyKind.STUDENT,
        True,
        True,
        "Students with a fever, cold or open wound stay out of the water until "
        "they are well.",
    ),
    (
        "Staff Handbook Excerpt",
        PolicyKind.FAMILY,
        False,
        False,
        "Internal record kept for staff; not shown in the portal.",
    ),
]


def seed(organization: Organization) -> None:
    home = PortalHomePage.objects.get(organization=organization)
    seed_welcome(home)
    seed_news(organization, home)
    seed_staff_page(organization, home)
    seed_policies(home)


def image(
    organization: Organization, title: str, data: bytes, description: str = ""
) -> Image:
    """The organization's image with this title, drawn and saved if missing.
    Its description is the alt text wherever it is shown."""
    existing = Image.objects.filter(
        title=title, collection=organization.collection
    ).first()
    if existing is not None:
        return existing
    new = Image(
        title=title, description=description, collection=organization.collection
    )
    new.file = ImageFile(
        io.BytesIO(data), name=title.lower().replace(" ", "-") + ".jpg"
    )
    new.save()
    return new


def seed_welcome(home: PortalHomePage) -> None:
    if home.welcome_enabled:
        return
    home.tagline = TAGLINE
    home.welcome_enabled = True
    home.welcome_title = WELCOME_TITLE
    home.welcome_body = WELCOME_BODY
    home.save_revision().publish()


def seed_news(organization: Organization, home: PortalHomePage) -> None:
    index = NewsIndexPage.objects.child_of(home).first()
    if index.intro != NEWS_INTRO:
        index.intro = NEWS_INTRO
        index.save_revision().publish()
    existing = set(NewsPage.objects.child_of(index).values_list("title", flat=True))
    today = timezone.localdate()
    for i, (title, summary, text) in enumerate(NEWS):
        if title in existing:
            continue
        page = NewsPage(
            title=title,
            date=today - datetime.timedelta(days=3 * i),
            summary=summary,
            image=image(
                organization, title, images.pool_scene(i), description=NEWS_IMAGE_ALT
            ),
            show_on_landing=i < NEWS_ON_LANDING,
            body=[("paragraph", RichText(f"<p>{text}</p>"))],
        )
        index.add_child(instance=page)
        page.save_revision().publish()


def seed_staff_page(organization: Organization, home: PortalHomePage) -> None:
    if StaffPage.objects.child_of(home).exists():
        return
    page = StaffPage(title=STAFF_PAGE_TITLE, slug="staff", intro=STAFF_PAGE_INTRO)
    for i, (name, role, bio) in enumerate(STAFF):
        page.members.add(
            StaffMember(
                name=name,
                role=role,
                bio=f"<p>{bio}</p>",
                photo=image(organization, name, images.portrait(i)),
                sort_order=i,
            )
        )
    home.add_child(instance=page)
    page.save_revision().publish()


def seed_policies(home: PortalHomePage) -> None:
    index = PolicyIndexPage.objects.child_of(home).first()
    existing = set(PolicyPage.objects.child_of(index).values_list("title", flat=True))
    for title, kind, required, on_web, text in POLICIES:
        if title in existing:
            continue
        page = PolicyPage(
            title=title,
            kind=kind,
            required=required,
            show_on_web=on_web,
            body=f"<p>{text}</p>",
        )
        index.add_child(instance=page)
        page.save_revision().publish()
