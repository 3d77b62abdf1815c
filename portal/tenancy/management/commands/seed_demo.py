"""Load the demo organization "Splash Academy" (slug: demo). Safe to run again."""

import datetime
import zoneinfo
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.files.images import ImageFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django_scopes import scopes_disabled
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
from portal.accounts.models import User
from portal.catalog.models import (
    Blackout,
    Event,
    Instructor,
    Level,
    PartyPackage,
    PartySlot,
    Program,
)
from portal.catalog.selectors import class_eligibility
from portal.catalog.services import class_create, record_create
from portal.enrollments.models import Enrollment
from portal.enrollments.services import enrollment_add
from portal.families.models import Gender, Relationship, Student
from portal.families.selectors import policy_items
from portal.families.services import family_register, policy_answer, student_create
from portal.tenancy import demo_images
from portal.tenancy.models import Location, Organization, PortalMode, StaffMembership
from portal.tenancy.services import (
    location_create,
    organization_create,
    staff_membership_create,
)
from snippets.models import CustomField, ReferralSource

DEMO_SLUG = "demo"
STAFF_EMAIL = "admin@example.com"
PARENT_EMAIL = "parent@example.com"
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
CATALOG = [
    (
        "Swim",
        ["Parent & Tot", "Beginner", "Intermediate", "Advanced"],
        [(0, 3), (3, 6), (5, 9), (7, 12)],
    ),
    ("Swim Team Prep", ["Bronze", "Silver", "Gold"], [(7, 11), (8, 13), (9, 15)]),
    ("Adult Swim", ["Learn to Swim", "Fitness"], [(16, 99), (16, 99)]),
]
COPIES = {"Swim": 5, "Swim Team Prep": 4, "Adult Swim": 4}  # 40 classes
CAMPS = [
    ("Winter Break Splash Camp", 5, 12),
    ("Junior Lifeguard Camp", 10, 15),
    ("Spring Break Water Fun", 4, 8),
]
PARTIES = [
    ("Splash Party", 90, "249.00", "75.00", 15),
    ("Deluxe Pool Party", 120, "349.00", "100.00", 25),
]
PARENT_PASSWORD = "portico-demo"
REFERRAL_SOURCES = [
    "A friend or family member",
    "Search engine",
    "Flyer",
    "Social media",
]
STAFF_PASSWORD = "portico-admin"

LOCATIONS = [
    {
        "name": "Northside Aquatic Center",
        "address_line1": "1200 Lakeview Avenue",
        "city": "Springfield",
        "region": "IL",
        "postal_code": "62701",
        "country": "United States",
        "phone": "(217) 555-0142",
        "email": "northside@example.com",
        "time_zone": "America/Chicago",
        "sort_order": 1,
    },
    {
        "name": "Riverside Pool",
        "address_line1": "48 Mill Street",
        "city": "Springfield",
        "region": "IL",
        "postal_code": "62704",
        "country": "United States",
        "phone": "(217) 555-0199",
        "email": "riverside@example.com",
        "time_zone": "America/Chicago",
        "sort_order": 2,
    },
]

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

STAFF = [
    ("Maya Thompson", "Aquatics Director", "Maya has taught swimming for 15 years."),
    ("Jordan Lee", "Head Coach", "Jordan coaches our swim team prep groups."),
    ("Priya Nair", "Lead Instructor", "Priya specialises in our youngest swimmers."),
    ("Sam Ortega", "Front Desk Manager", "Sam is the voice you hear when you call."),
]

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


class Command(BaseCommand):
    help = "Create or complete the demo organization 'Splash Academy' (slug demo)."

    @transaction.atomic
    def handle(self, *args, **options):
        with scopes_disabled():
            organization = self.organization()
            for fields in LOCATIONS:
                if not Location.objects.filter(
                    organization=organization, name=fields["name"]
                ).exists():
                    location_create(organization=organization, **fields)
            home = PortalHomePage.objects.get(organization=organization)
            self.home(home)
            self.news(organization, home)
            self.staff_page(organization, home)
            self.policies(home)
            self.staff_login(organization)
            self.lookups(organization)
            self.demo_family(organization)
            self.catalog(organization)
        self.stdout.write(
            self.style.SUCCESS("Demo organization ready at /portal/demo/")
        )

    def organization(self):
        organization = Organization.objects.filter(slug=DEMO_SLUG).first()
        if organization is None:
            organization = organization_create(
                name="Splash Academy", slug=DEMO_SLUG, mode=PortalMode.ACTIVE
            )
            settings = organization.portal_settings
            settings.website_url = "https://splash-academy.example.com/"
            settings.ios_app_url = "https://apps.example.com/splash-academy/ios"
            settings.android_app_url = "https://apps.example.com/splash-academy/android"
            settings.save()
        return organization

    def home(self, home):
        if home.welcome_enabled:
            return
        home.tagline = "Swim lessons for every age, at two pools in Springfield."
        home.welcome_enabled = True
        home.welcome_title = "Welcome to Splash Academy!"
        home.welcome_body = (
            "<p>We are glad you are here. Catch up on the <b>News</b> and meet "
            "our instructors under <b>More</b>.</p>"
            "<ul><li>Arrive 10 minutes early for your first lesson.</li>"
            "<li>Bring a swimsuit, towel and goggles.</li></ul>"
        )
        home.save_revision().publish()

    def image(self, organization, title, data):
        existing = Image.objects.filter(title=title, collection=organization.collection)
        if existing.exists():
            return existing.first()
        image = Image(title=title, collection=organization.collection)
        image.file = ImageFile(
            _bytes_file(data), name=title.lower().replace(" ", "-") + ".jpg"
        )
        image.save()
        return image

    def news(self, organization, home):
        index = NewsIndexPage.objects.child_of(home).first()
        index.intro = "<p>What is happening at Splash Academy.</p>"
        index.save_revision().publish()
        today = timezone.localdate()
        for i, (title, summary, text) in enumerate(NEWS):
            if NewsPage.objects.child_of(index).filter(title=title).exists():
                continue
            page = NewsPage(
                title=title,
                date=today - datetime.timedelta(days=3 * i),
                summary=summary,
                image=self.image(organization, title, demo_images.pool_scene(i)),
                image_alt="A swimming pool with lane ropes",
                show_on_landing=i < 3,
                body=[("paragraph", RichText(f"<p>{text}</p>"))],
            )
            index.add_child(instance=page)
            page.save_revision().publish()

    def staff_page(self, organization, home):
        if StaffPage.objects.child_of(home).exists():
            return
        page = StaffPage(
            title="Our Instructors",
            slug="staff",
            intro="<p>Certified, patient and fond of puns about water.</p>",
        )
        for i, (name, role, bio) in enumerate(STAFF):
            page.members.add(
                StaffMember(
                    name=name,
                    role=role,
                    bio=f"<p>{bio}</p>",
                    photo=self.image(organization, name, demo_images.portrait(i)),
                    sort_order=i,
                )
            )
        home.add_child(instance=page)
        page.save_revision().publish()

    def policies(self, home):
        index = PolicyIndexPage.objects.child_of(home).first()
        for title, kind, required, on_web, text in POLICIES:
            if PolicyPage.objects.child_of(index).filter(title=title).exists():
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

    def staff_login(self, organization):
        user = User.objects.filter(email=STAFF_EMAIL).first()
        if user is None:
            user = User.objects.create_user(
                STAFF_EMAIL, STAFF_PASSWORD, first_name="Avery", last_name="Admin"
            )
        if not StaffMembership.objects.filter(
            organization=organization, user=user
        ).exists():
            staff_membership_create(organization=organization, user=user)

    def lookups(self, organization):
        for i, name in enumerate(REFERRAL_SOURCES):
            ReferralSource.objects.get_or_create(
                organization=organization, name=name, defaults={"sort_order": i}
            )
        CustomField.objects.get_or_create(
            organization=organization,
            label="School attended",
            applies_to=CustomField.AppliesTo.STUDENT,
            defaults={"field_type": CustomField.FieldType.TEXT, "sort_order": 1},
        )
        CustomField.objects.get_or_create(
            organization=organization,
            label="Comfortable in deep water?",
            applies_to=CustomField.AppliesTo.STUDENT,
            defaults={"field_type": CustomField.FieldType.YES_NO, "sort_order": 2},
        )

    def demo_family(self, organization):
        if User.objects.filter(email=PARENT_EMAIL).exists():
            return
        guardian = family_register(
            organization=organization,
            email=PARENT_EMAIL,
            password_hash=make_password(PARENT_PASSWORD),
            first_name="Jordan",
            last_name="Rivera",
            relationship=Relationship.MOTHER,
            emails=[{"email": PARENT_EMAIL, "email_type": "home", "subscribed": True}],
            phones=[
                {"number": "(217) 555-0123", "phone_type": "mobile", "sms_opt_in": True}
            ],
            address={
                "line1": "22 Maple Court",
                "city": "Springfield",
                "region": "IL",
                "postal_code": "62702",
                "country": "United States",
            },
            referral_source=ReferralSource.objects.filter(organization=organization)
            .order_by("sort_order")
            .first(),
            send_welcome=False,
        )
        family = guardian.family
        today = timezone.localdate()
        students = [
            student_create(
                family=family,
                first_name="Mia",
                last_name="Rivera",
                date_of_birth=today.replace(year=today.year - 7, day=1),
                gender=Gender.FEMALE,
            ),
            student_create(
                family=family,
                first_name="Leo",
                last_name="Rivera",
                date_of_birth=today.replace(year=today.year - 5, day=1),
                gender=Gender.MALE,
                has_allergies=True,
                allergy_details="Mild asthma; has an inhaler in his bag.",
            ),
        ]
        for item in policy_items(family=family, students=students):
            policy_answer(
                family=family,
                policy=item.policy,
                student=item.student,
                accepted=True,
                by=guardian.user,
            )

    def catalog(self, organization):
        """Three programs, about forty classes at two pools, three camps,
        party packages with slots, a blackout week; the demo students are in
        two classes."""
        if Program.objects.filter(organization=organization).exists():
            return
        today = timezone.localdate()
        season_start = today - datetime.timedelta(days=today.weekday() + 14)
        season_end = season_start + datetime.timedelta(weeks=16)
        locations = list(
            Location.objects.filter(organization=organization).order_by("sort_order")
        )
        instructors = [
            record_create(
                Instructor, organization=organization, first_name=first, last_name=last
            )
            for first, last in (
                ("Maya", "Thompson"),
                ("Jordan", "Lee"),
                ("Priya", "Nair"),
                ("Chris", "Moreno"),
            )
        ]
        programs = {}
        for order, (name, levels, ages) in enumerate(CATALOG):
            program = record_create(
                Program, organization=organization, name=name, sort_order=order
            )
            programs[name] = []
            for position, (level_name, (low, high)) in enumerate(
                zip(levels, ages, strict=True)
            ):
                level = record_create(
                    Level,
                    organization=organization,
                    program=program,
                    name=level_name,
                    sort_order=position,
                )
                programs[name].append((program, level, low, high))
        times = [
            (datetime.time(9, 0), datetime.time(9, 30)),
            (datetime.time(16, 0), datetime.time(16, 45)),
            (datetime.time(17, 0), datetime.time(17, 45)),
            (datetime.time(18, 0), datetime.time(18, 45)),
        ]
        made = []
        n = 0
        for entries in programs.values():
            for program, level, low, high in entries:
                for _copy in range(COPIES[program.name]):
                    n += 1
                    weekday = n % 6
                    start, end = times[n % len(times)]
                    location = locations[n % len(locations)]
                    klass = class_create(
                        organization=organization,
                        name=f"{level.name} – {WEEKDAYS[weekday]} {start:%-I:%M %p}",
                        program=program,
                        level=level,
                        location=location,
                        instructor=instructors[n % len(instructors)],
                        season_start=season_start,
                        season_end=season_end,
                        capacity=6 + (n % 3) * 2,
                        min_age_years=low,
                        max_age_years=high,
                        tuition=Decimal("72.00") + 8 * (n % 4),
                        registration_fee=Decimal("25.00"),
                        description=f"{program.name}: {level.name}.",
                        schedules=[
                            {"weekday": weekday, "start_time": start, "end_time": end}
                        ],
                    )
                    made.append(klass)
        camp_start = today + datetime.timedelta(days=(4 - today.weekday()) % 7 + 10)
        for i, (name, low, high) in enumerate(CAMPS):
            first = camp_start + datetime.timedelta(weeks=2 * i)
            record_create(
                Event,
                organization=organization,
                name=name,
                location=locations[i % len(locations)],
                start_date=first,
                end_date=first + datetime.timedelta(days=4),
                daily_start=datetime.time(9, 0),
                daily_end=datetime.time(12, 0),
                capacity=20,
                price=Decimal("225.00"),
                price_per_day=Decimal("55.00") if i != 1 else None,
                min_age_years=low,
                max_age_years=high,
                description="Games, skills and water safety every morning.",
            )
        for name, minutes, price, deposit, guests in PARTIES:
            record_create(
                PartyPackage,
                organization=organization,
                name=name,
                duration_minutes=minutes,
                price=Decimal(price),
                deposit=Decimal(deposit),
                guest_limit=guests,
            )
        for location in locations:
            zone = zoneinfo.ZoneInfo(location.time_zone)
            for week in range(1, 7):
                saturday = today + datetime.timedelta(
                    days=(5 - today.weekday()) % 7 + 7 * week
                )
                for hour in (11, 14):
                    record_create(
                        PartySlot,
                        organization=organization,
                        location=location,
                        starts_at=datetime.datetime.combine(
                            saturday, datetime.time(hour), tzinfo=zone
                        ),
                    )
        blackout_start = today + datetime.timedelta(days=(0 - today.weekday()) % 7 + 14)
        record_create(
            Blackout,
            organization=organization,
            name="Pool maintenance week",
            start_date=blackout_start,
            end_date=blackout_start + datetime.timedelta(days=6),
        )
        family_students = Student.objects.filter(
            family__guardians__user__email=PARENT_EMAIL
        ).order_by("date_of_birth")
        for student in family_students:
            match = next(
                k
                for k in made
                if class_eligibility(klass=k, student=student).ok
                and not Enrollment.objects.filter(student=student).exists()
            )
            enrollment_add(student=student, klass=match, starts_on=season_start)


def _bytes_file(data):
    import io

    return io.BytesIO(data)
