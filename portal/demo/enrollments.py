"""The demo students' enrollments: each in the first class that suits them."""

from portal.catalog.models import Class
from portal.catalog.selectors import class_eligibility
from portal.enrollments.models import Enrollment
from portal.enrollments.services import enrollment_add
from portal.families.models import Student
from portal.tenancy.models import Organization

from .logins import PARENT_EMAIL


def seed(organization: Organization) -> None:
    students = Student.objects.filter(
        family__organization=organization,
        family__guardians__user__email=PARENT_EMAIL,
    ).order_by("date_of_birth")
    classes = None
    for student in students:
        if Enrollment.objects.filter(student=student).exists():
            continue
        if classes is None:
            classes = list(
                Class.objects.filter(organization=organization).order_by("pk")
            )
        match = next(
            (k for k in classes if class_eligibility(klass=k, student=student).ok),
            None,
        )
        if match is not None:
            enrollment_add(
                student=student,
                klass=match,
                starts_on=match.season_start,
            )
