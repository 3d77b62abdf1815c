"""Writes for families: registration, students, guardians, contacts, policies."""

import datetime

from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from portal.accounts.emails import send_portal_email

from .errors import FamilyError
from .models import (
    ContactAddress,
    ContactEmail,
    ContactPhone,
    Family,
    Guardian,
    InviteStatus,
    PolicyAnswer,
    Student,
)

INVITE_SALT = "portico.guardian-invite"
INVITE_DAYS = 7


def _save(instance):
    instance.full_clean()
    instance.save()
    return instance


def _absolute(path, base_url=None):
    """An absolute link for an e-mail: the requesting origin when the caller
    passes it, else the configured base URL."""
    from portal.accounts.emails import site_url

    return (base_url or site_url()).rstrip("/") + path


def family_reindex(*, family) -> None:
    """Refresh the search index entries of a family and its students, which
    carry the guardians' names, e-mails and phones (see FamilySearch)."""
    from django_scopes import scopes_disabled
    from wagtail.search.index import insert_or_update_object

    insert_or_update_object(family)
    with scopes_disabled():
        students = list(Student.objects.filter(family_id=family.pk))
    for student in students:
        insert_or_update_object(student)


def email_can_start_family(*, organization, email) -> bool:
    """A login that already exists cannot register a new family by itself."""
    email = (email or "").strip().lower()
    return not get_user_model().objects.filter(email=email).exists()


@transaction.atomic
def family_register(
    *,
    organization,
    email: str,
    password_hash: str,
    first_name: str,
    last_name: str,
    relationship: str,
    emails: list[dict],
    phones: list[dict],
    address: dict,
    referral_source=None,
    custom_values: dict | None = None,
    user=None,
    send_welcome: bool = True,
    base_url: str | None = None,
) -> Guardian:
    """Create the login (unless one is given), the family, its primary guardian
    and their contacts."""
    from snippets.models import CustomField

    email = email.strip().lower()
    if user is not None:
        # A login that already exists (a guardian elsewhere) starts a family
        # here: it must not be a guardian in this organization already.
        if Guardian.objects.filter(organization=organization, user=user).exists():
            raise FamilyError("email_taken", field="email")
        email = user.email
    else:
        if not email_can_start_family(organization=organization, email=email):
            raise FamilyError("email_taken", field="email")
        User = get_user_model()
        user = User(email=email, first_name=first_name, last_name=last_name)
        user.password = password_hash
        user.full_clean()
        user.save()
    family = _save(
        Family(
            organization=organization,
            name=last_name,
            referral_source=referral_source,
        )
    )
    guardian = _save(
        Guardian(
            organization=organization,
            family=family,
            user=user,
            first_name=first_name,
            last_name=last_name,
            relationship=relationship,
            is_primary=True,
            may_make_payments=True,
            invite_status=InviteStatus.ACCEPTED,
        )
    )
    common = {"organization": organization, "family": family, "guardian": guardian}
    for item in emails:
        _save(ContactEmail(**common, **item))
    for item in phones:
        _save(ContactPhone(**common, **item))
    if address:
        _save(ContactAddress(**common, **address))
    if custom_values:
        fields = CustomField.objects.filter(organization=organization)
        custom_values_save(
            family=family, student=None, fields=fields, values=custom_values
        )
    family_reindex(family=family)
    if send_welcome:
        _send_welcome(organization, email, first_name, base_url)
    return guardian


def _send_welcome(organization, email, first_name, base_url=None):
    send_portal_email(
        organization=organization,
        to=email,
        template="welcome",
        context={
            "first_name": first_name,
            "login_url": _absolute(
                reverse("accounts:login", kwargs={"org_slug": organization.slug}),
                base_url,
            ),
        },
    )


def custom_values_save(*, family, student, fields, values: dict):
    from .models import CustomFieldValue

    for field in fields:
        key = f"custom_{field.pk}"
        if key not in values:
            continue
        value = values[key]
        if isinstance(value, bool):
            value = "yes" if value else "no"
        elif isinstance(value, datetime.date):
            value = value.isoformat()
        CustomFieldValue.objects.update_or_create(
            organization=family.organization,
            definition=field,
            family=family,
            student=student,
            defaults={"value": "" if value is None else str(value)},
        )


def _check_student(organization, data, *, today):
    settings = organization.portal_settings
    if settings.require_student_gender and not data.get("gender"):
        raise FamilyError("gender_required", field="gender")
    if data.get("has_allergies") and not (data.get("allergy_details") or "").strip():
        raise FamilyError("allergy_details", field="allergy_details")
    if data["date_of_birth"] > today:
        raise FamilyError("birth_in_future", field="date_of_birth")
    if not data.get("has_allergies"):
        data["allergy_details"] = ""


@transaction.atomic
def student_create(
    *,
    family,
    first_name,
    last_name,
    date_of_birth,
    gender="",
    has_allergies=False,
    allergy_details="",
    custom_values=None,
    fields=(),
    now=None,
) -> Student:
    now = now or timezone.now()
    data = {
        "first_name": first_name,
        "last_name": last_name,
        "date_of_birth": date_of_birth,
        "gender": gender,
        "has_allergies": has_allergies,
        "allergy_details": allergy_details,
    }
    _check_student(family.organization, data, today=timezone.localdate(now))
    student = _save(Student(organization=family.organization, family=family, **data))
    if custom_values:
        custom_values_save(
            family=family, student=student, fields=fields, values=custom_values
        )
    return student


@transaction.atomic
def student_update(*, student, custom_values=None, fields=(), now=None, **data):
    now = now or timezone.now()
    merged = {
        "first_name": student.first_name,
        "last_name": student.last_name,
        "date_of_birth": student.date_of_birth,
        "gender": student.gender,
        "has_allergies": student.has_allergies,
        "allergy_details": student.allergy_details,
        **data,
    }
    _check_student(student.organization, merged, today=timezone.localdate(now))
    for key, value in merged.items():
        setattr(student, key, value)
    _save(student)
    if custom_values:
        custom_values_save(
            family=student.family,
            student=student,
            fields=fields,
            values=custom_values,
        )
    return student


def policy_answer(*, family, policy, accepted: bool, by, student=None, now=None):
    """Record an answer; the newest answer to a policy is the one that counts."""
    from pages.models import PolicyKind

    if (policy.kind == PolicyKind.STUDENT) != (student is not None):
        raise ValueError("Student policies are answered per student.")
    if student is not None and student.family_id != family.pk:
        raise ValueError("That student is not in this family.")
    return PolicyAnswer.objects.create(
        organization=family.organization,
        family=family,
        student=student,
        policy=policy,
        policy_title=policy.title,
        policy_version=policy.version,
        accepted=accepted,
        answered_by=by,
        answered_at=now or timezone.now(),
    )


# Guardians -----------------------------------------------------------------


def _require_primary(actor: Guardian):
    if not actor.is_primary:
        raise FamilyError("not_primary")


@transaction.atomic
def guardian_add(
    *, actor: Guardian, first_name, last_name, relationship, may_make_payments=False
) -> Guardian:
    _require_primary(actor)
    guardian = _save(
        Guardian(
            organization=actor.organization,
            family=actor.family,
            first_name=first_name,
            last_name=last_name,
            relationship=relationship,
            may_make_payments=may_make_payments,
        )
    )
    family_reindex(family=actor.family)
    return guardian


def _may_edit_guardian(actor: Guardian, guardian: Guardian):
    if guardian.family_id != actor.family_id:
        raise FamilyError("no_such_contact")
    if actor.pk == guardian.pk:
        return
    _require_primary(actor)
    if guardian.invite_status == InviteStatus.ACCEPTED:
        raise FamilyError("guardian_has_login")


@transaction.atomic
def guardian_update(*, actor: Guardian, guardian: Guardian, **data) -> Guardian:
    _may_edit_guardian(actor, guardian)
    if "may_make_payments" in data and not actor.is_primary:
        data.pop("may_make_payments")
    for key, value in data.items():
        setattr(guardian, key, value)
    _save(guardian)
    family_reindex(family=guardian.family)
    return guardian


@transaction.atomic
def guardian_set_payments(*, actor: Guardian, guardian: Guardian, allowed: bool):
    _require_primary(actor)
    if guardian.family_id != actor.family_id or guardian.is_primary:
        raise FamilyError("no_such_contact")
    guardian.may_make_payments = allowed
    guardian.save(update_fields=["may_make_payments"])
    return guardian


@transaction.atomic
def guardian_delete(*, actor: Guardian, guardian: Guardian) -> None:
    _require_primary(actor)
    if guardian.family_id != actor.family_id:
        raise FamilyError("no_such_contact")
    if guardian.is_primary:
        raise FamilyError("primary_cannot_delete")
    # Their contact data stays with the family, in the Unassigned column.
    for model in (ContactEmail, ContactPhone, ContactAddress):
        model.objects.filter(guardian=guardian).update(guardian=None)
    guardian.delete()
    family_reindex(family=actor.family)


def _invite_token(guardian: Guardian) -> str:
    return signing.dumps(
        {"g": guardian.pk, "n": guardian.invite_nonce}, salt=INVITE_SALT
    )


@transaction.atomic
def guardian_invite_send(
    *, actor: Guardian, guardian: Guardian, now=None, base_url=None
) -> str:
    """E-mail a signed, expiring link that lets a secondary guardian log in.
    `base_url` is the requesting origin the link starts with."""
    _require_primary(actor)
    if guardian.family_id != actor.family_id or guardian.is_primary:
        raise FamilyError("no_such_contact")
    if guardian.invite_status == InviteStatus.ACCEPTED:
        raise FamilyError("guardian_has_login")
    email = ContactEmail.objects.filter(guardian=guardian).order_by("pk").first()
    if email is None:
        raise FamilyError("invite_no_email")
    address = email.email.lower()
    if Guardian.objects.filter(family=actor.family, user__email=address).exists():
        raise FamilyError("invite_email_used")
    guardian.invite_nonce += 1
    guardian.invite_status = InviteStatus.SENT
    guardian.invite_email = address
    guardian.invite_sent_at = now or timezone.now()
    guardian.save(
        update_fields=[
            "invite_nonce",
            "invite_status",
            "invite_email",
            "invite_sent_at",
        ]
    )
    token = _invite_token(guardian)
    url = reverse(
        "accounts:invite_accept",
        kwargs={"org_slug": actor.organization.slug, "token": token},
    )
    send_portal_email(
        organization=actor.organization,
        to=address,
        template="invite",
        context={
            "inviter": actor.full_name,
            "invite_url": _absolute(url, base_url),
            "days": INVITE_DAYS,
        },
    )
    return token


@transaction.atomic
def guardian_invite_revoke(*, actor: Guardian, guardian: Guardian) -> Guardian:
    """Void outstanding links; a guardian who already logs in loses access."""
    _require_primary(actor)
    if guardian.family_id != actor.family_id or guardian.is_primary:
        raise FamilyError("no_such_contact")
    guardian.invite_nonce += 1
    guardian.invite_status = InviteStatus.REVOKED
    guardian.user = None
    guardian.save(update_fields=["invite_nonce", "invite_status", "user"])
    return guardian


def guardian_for_invite(*, organization, token: str) -> Guardian:
    try:
        data = signing.loads(
            token, salt=INVITE_SALT, max_age=datetime.timedelta(days=INVITE_DAYS)
        )
    except signing.BadSignature as exc:
        raise FamilyError("invite_invalid") from exc
    guardian = (
        Guardian.objects.filter(organization=organization, pk=data.get("g"))
        .select_related("family")
        .first()
    )
    if (
        guardian is None
        or guardian.invite_nonce != data.get("n")
        or guardian.invite_status != InviteStatus.SENT
    ):
        raise FamilyError("invite_invalid")
    return guardian


@transaction.atomic
def guardian_invite_accept(*, organization, token: str, password: str):
    """The invited guardian sets a password (or keeps their existing login, for
    an email that already logs in elsewhere) and can log in to the family."""
    guardian = guardian_for_invite(organization=organization, token=token)
    User = get_user_model()
    user = User.objects.filter(email=guardian.invite_email).first()
    if user is None:
        user = User(
            email=guardian.invite_email,
            first_name=guardian.first_name,
            last_name=guardian.last_name,
        )
        user.set_password(password)
        user.full_clean()
        user.save()
    elif not user.check_password(password):
        raise FamilyError("invite_invalid", field="password")
    guardian.user = user
    guardian.invite_status = InviteStatus.ACCEPTED
    guardian.invite_nonce += 1
    guardian.save(update_fields=["user", "invite_status", "invite_nonce"])
    return guardian


def guardian_password_reset(
    *, actor: Guardian, guardian: Guardian, base_url=None, ip=""
):
    """The primary guardian asks a secondary guardian who logs in to choose a
    new password. No code is issued here: the e-mail leads the secondary
    guardian to Forgot Password, so the code reaches only them and can be
    entered only in their own session. Raises AccountError past the limit of
    such e-mails."""
    from portal.accounts.services import password_reset_suggest

    _require_primary(actor)
    if guardian.family_id != actor.family_id or guardian.user_id is None:
        raise FamilyError("no_such_contact")
    password_reset_suggest(
        organization=actor.organization,
        email=guardian.user.email,
        requested_by=actor.full_name,
        base_url=_absolute("", base_url),
        ip=ip,
    )


# Contact data ----------------------------------------------------------------

CONTACT_MODELS = {
    "email": ContactEmail,
    "phone": ContactPhone,
    "address": ContactAddress,
}


def _check_contact_owner(actor: Guardian, guardian: Guardian | None):
    if guardian is None:
        _require_primary(actor)
        return
    _may_edit_guardian(actor, guardian)


@transaction.atomic
def contact_add(*, actor: Guardian, kind: str, guardian: Guardian | None, **data):
    _check_contact_owner(actor, guardian)
    model = CONTACT_MODELS[kind]
    contact = _save(
        model(
            organization=actor.organization,
            family=actor.family,
            guardian=guardian,
            **data,
        )
    )
    family_reindex(family=actor.family)
    return contact


def _is_login_email(contact) -> bool:
    return (
        isinstance(contact, ContactEmail)
        and contact.guardian_id is not None
        and contact.guardian.user_id is not None
        and contact.guardian.user.email == contact.email.lower()
    )


@transaction.atomic
def contact_update(*, actor: Guardian, contact, **data):
    if contact.family_id != actor.family_id:
        raise FamilyError("no_such_contact")
    _check_contact_owner(actor, contact.guardian)
    if (
        _is_login_email(contact)
        and "email" in data
        and data["email"].lower() != contact.email.lower()
    ):
        raise FamilyError("login_email_locked", field="email")
    for key, value in data.items():
        setattr(contact, key, value)
    _save(contact)
    family_reindex(family=actor.family)
    return contact


@transaction.atomic
def contact_delete(*, actor: Guardian, contact) -> None:
    if contact.family_id != actor.family_id:
        raise FamilyError("no_such_contact")
    _check_contact_owner(actor, contact.guardian)
    if _is_login_email(contact):
        raise FamilyError("login_email_locked")
    contact.delete()
    family_reindex(family=actor.family)


@transaction.atomic
def contact_reassign(*, actor: Guardian, contact, guardian: Guardian | None):
    """Move contact data between a guardian and the Unassigned column."""
    _require_primary(actor)
    if contact.family_id != actor.family_id or (
        guardian is not None and guardian.family_id != actor.family_id
    ):
        raise FamilyError("no_such_contact")
    # A secondary guardian who logs in manages their own data: it may neither
    # be taken from them nor given to them by the primary guardian.
    owner = contact.guardian
    if (
        owner is not None
        and owner.pk != actor.pk
        and owner.invite_status == InviteStatus.ACCEPTED
    ):
        raise FamilyError("guardian_has_login")
    if guardian is not None and guardian.invite_status == InviteStatus.ACCEPTED:
        if guardian.pk != actor.pk:
            raise FamilyError("guardian_has_login")
    if _is_login_email(contact):
        raise FamilyError("login_email_locked")
    contact.guardian = guardian
    contact.save(update_fields=["guardian"])
    return contact
