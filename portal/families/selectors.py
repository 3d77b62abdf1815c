"""Reads for families. Each takes the organization or family explicitly."""

from dataclasses import dataclass

from django.db.models import Prefetch

from .models import (
    ContactAddress,
    ContactEmail,
    ContactPhone,
    Family,
    Guardian,
    PolicyAnswer,
    Student,
)


def guardianships_for_login(*, organization, user):
    """The guardians a login may act as in one organization (one per family)."""
    if not user.is_authenticated:
        return []
    guardians = [
        g
        for g in Guardian.objects.filter(organization=organization, user=user)
        .select_related("family")
        .order_by("family__name", "pk")
        if g.can_log_in
    ]
    # Every page of the request reaches the organization through these rows:
    # they share the one already loaded instead of loading it again each.
    for guardian in guardians:
        guardian.organization = organization
        guardian.family.organization = organization
    return guardians


def primary_guardian_for_email(*, organization, email):
    return (
        Guardian.objects.filter(
            organization=organization,
            is_primary=True,
            user__email=(email or "").strip().lower(),
        )
        .select_related("family", "user")
        .first()
    )


def live_policies(*, organization, kind=None):
    """Policies shown on the web, of one organization, newest version live."""
    from pages.models import PolicyPage, PortalHomePage

    home = PortalHomePage.objects.filter(organization=organization).first()
    if home is None:
        return []
    qs = PolicyPage.objects.live().descendant_of(home).filter(show_on_web=True)
    if kind:
        qs = qs.filter(kind=kind)
    return list(qs.order_by("title"))


@dataclass
class PolicyItem:
    policy: object
    student: object | None
    answer: object | None

    @property
    def key(self):
        """The form field name of this item's answer."""
        who = self.student.pk if self.student is not None else "f"
        return f"policy_{self.policy.pk}_{who}"

    @property
    def current(self):
        return (
            self.answer is not None
            and self.answer.policy_version == self.policy.version
        )

    @property
    def accepted(self):
        return self.current and self.answer.accepted

    @property
    def rejected(self):
        return self.answer is not None and not self.answer.accepted

    @property
    def pending(self):
        return not self.current


def _latest_answers(family):
    latest = {}
    for answer in PolicyAnswer.objects.filter(family=family).order_by(
        "-answered_at", "-pk"
    ):
        latest.setdefault((answer.policy_id, answer.student_id), answer)
    return latest


def policy_items(*, family, students=None):
    """Every web policy with this family's latest answer: family policies once,
    student policies once per student."""
    from pages.models import PolicyKind

    policies = live_policies(organization=family.organization)
    latest = _latest_answers(family)
    if students is None:
        students = list(Student.objects.filter(family=family))
    items = []
    for policy in policies:
        if policy.kind == PolicyKind.FAMILY:
            items.append(PolicyItem(policy, None, latest.get((policy.pk, None))))
        else:
            for student in students:
                items.append(
                    PolicyItem(policy, student, latest.get((policy.pk, student.pk)))
                )
    return items


def pending_required_policies(*, family, students=None):
    """Required policies this family has not answered for their current version
    (for a family policy: not accepted)."""
    pending = []
    for item in policy_items(family=family, students=students):
        if not item.policy.required:
            continue
        if item.student is None and not item.accepted:
            pending.append(item)
        elif item.student is not None and not item.current:
            pending.append(item)
    return pending


def blocked_student_ids(*, family, items=None):
    """Students who rejected a required student policy cannot enroll."""
    items = items if items is not None else policy_items(family=family)
    return {
        item.student.pk
        for item in items
        if item.student is not None and item.policy.required and item.rejected
    }


def students_of(*, family):
    students = list(Student.objects.filter(family=family).order_by("first_name"))
    blocked = blocked_student_ids(
        family=family, items=policy_items(family=family, students=students)
    )
    for student in students:
        student.blocked_by_policy = student.pk in blocked
    return students


def family_contacts(*, family):
    """Guardians with their contact data, plus the family's unassigned data."""
    guardians = list(
        Guardian.objects.filter(family=family)
        .select_related("user")
        .order_by("-is_primary", "pk")
    )
    emails = list(ContactEmail.objects.filter(family=family))
    phones = list(ContactPhone.objects.filter(family=family))
    addresses = list(ContactAddress.objects.filter(family=family))
    for guardian in guardians:
        guardian.emails = [e for e in emails if e.guardian_id == guardian.pk]
        guardian.phones = [p for p in phones if p.guardian_id == guardian.pk]
        guardian.addresses = [a for a in addresses if a.guardian_id == guardian.pk]
    unassigned = {
        "emails": [e for e in emails if e.guardian_id is None],
        "phones": [p for p in phones if p.guardian_id is None],
        "addresses": [a for a in addresses if a.guardian_id is None],
    }
    return guardians, unassigned


def family_with_people(*, organization, family_id):
    return (
        Family.objects.filter(organization=organization, pk=family_id)
        .prefetch_related(Prefetch("students"), Prefetch("guardians"))
        .first()
    )


def other_organizations_for(*, user, exclude):
    """Organizations where this login is also a guardian (Switch Organization).
    Reads across tenants on purpose, limited to the login's own rows."""
    from django_scopes import scopes_disabled

    from portal.tenancy.models import Organization, PortalMode

    if not user.is_authenticated:
        return []
    with scopes_disabled():
        org_ids = set(
            Guardian.objects.filter(user=user)
            .exclude(organization=exclude)
            .values_list("organization_id", flat=True)
        )
    return list(
        Organization.objects.filter(pk__in=org_ids)
        .exclude(portal_settings__mode=PortalMode.OFF)
        .order_by("name")
    )
