"""The demo family: the Riveras, with two students and every policy accepted."""

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from portal.accounts.models import User
from portal.families.models import Gender, Relationship
from portal.families.selectors import policy_items
from portal.families.services import family_register, policy_answer, student_create
from portal.tenancy.models import Organization
from snippets.models import ReferralSource

from .logins import PARENT_EMAIL, PARENT_PASSWORD

GUARDIAN = {
    "first_name": "Jordan",
    "last_name": "Rivera",
    "relationship": Relationship.MOTHER,
    "emails": [{"email": PARENT_EMAIL, "email_type": "home", "subscribed": True}],
    "phones": [
        {"number": "(217) 555-0123", "phone_type": "mobile", "sms_opt_in": True}
    ],
    "address": {
        "line1": "22 Maple Court",
        "city": "Springfield",
        "region": "IL",
        "postal_code": "62702",
        "country": "United States",
    },
}
# (first name, age in years, gender, other fields); born on the 1st of this month.
STUDENTS = [
    ("Mia", 7, Gender.FEMALE, {}),
    (
        "Leo",
        5,
        Gender.MALE,
        {
            "has_allergies": True,
            "allergy_details": "Mild asthma; has an inhaler in his bag.",
        },
    ),
]


def seed(organization: Organization) -> None:
    if User.objects.filter(email=PARENT_EMAIL).exists():
        return
    guardian = family_register(
        organization=organization,
        email=PARENT_EMAIL,
        password_hash=make_password(PARENT_PASSWORD),
        referral_source=ReferralSource.objects.filter(organization=organization)
        .order_by("sort_order")
        .first(),
        send_welcome=False,
        **GUARDIAN,
    )
    family = guardian.family
    today = timezone.localdate()
    students = [
        student_create(
            family=family,
            first_name=first_name,
            last_name=GUARDIAN["last_name"],
            date_of_birth=today.replace(year=today.year - age, day=1),
            gender=gender,
            **fields,
        )
        for first_name, age, gender, fields in STUDENTS
    ]
    for item in policy_items(family=family, students=students):
        policy_answer(
            family=family,
            policy=item.policy,
            student=item.student,
            accepted=True,
            by=guardian.user,
        )
