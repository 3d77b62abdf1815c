"""Writes for identity: verification codes, password resets, log in."""

import datetime
import hmac
import secrets

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac

from . import throttle
from .emails import deliver_portal_email, send_portal_email
from .errors import AccountError
from .models import CodePurpose, VerificationCode

CODE_LIFETIME = datetime.timedelta(minutes=10)
CODE_MAX_ATTEMPTS = 5


def _hash_code(code: str, *, email: str, purpose: str) -> str:
    return salted_hmac(
        "portico.verification-code", f"{purpose}:{email}:{code}", algorithm="sha256"
    ).hexdigest()


def _normalise(email: str) -> str:
    return (email or "").strip().lower()


@transaction.atomic
def code_issue(*, organization, email: str, purpose: str, now=None) -> str:
    """Create a fresh code (voiding earlier ones) and return it. Only its hash
    is stored; the caller e-mails it and never shows it."""
    now = now or timezone.now()
    email = _normalise(email)
    VerificationCode.objects.filter(
        organization=organization, email=email, purpose=purpose, used_at__isnull=True
    ).update(used_at=now)
    code = f"{secrets.randbelow(10**6):06d}"
    VerificationCode.objects.create(
        organization=organization,
        email=email,
        purpose=purpose,
        code_hash=_hash_code(code, email=email, purpose=purpose),
        created_at=now,
        expires_at=now + CODE_LIFETIME,
    )
    return code


def _portal_url(base_url, organization, name):
    path = reverse(name, kwargs={"org_slug": organization.slug})
    return base_url.rstrip("/") + path


def code_send(*, organization, email: str, purpose: str, base_url: str, now=None):
    """Issue a code and e-mail it, or e-mail what fits instead. The background
    worker runs this, so the code exists in clear only in the worker and in
    the e-mail; whoever asked learns nothing from the answer or its timing.

    - verify: a new address gets its code; an address that already logs in
      gets "you already have an account" (with an unsent code, so the code
      step answers exactly as for anyone else);
    - reset: an active login gets its code; any other address gets an unsent
      code, for the same reason.
    """
    from portal.families.services import email_can_start_family

    email = _normalise(email)
    code = code_issue(organization=organization, email=email, purpose=purpose, now=now)
    minutes = int(CODE_LIFETIME.total_seconds() // 60)
    if purpose == CodePurpose.VERIFY_EMAIL:
        if email_can_start_family(organization=organization, email=email):
            template = "verify_code"
            context = {"code": code, "minutes": minutes}
        else:
            template = "account_exists"
            context = {
                "login_url": _portal_url(base_url, organization, "accounts:login"),
                "reset_url": _portal_url(
                    base_url, organization, "accounts:forgot_password"
                ),
            }
    else:
        if not get_user_model().objects.filter(email=email, is_active=True).exists():
            return
        template = "reset_code"
        context = {"code": code, "minutes": minutes}
    deliver_portal_email(
        organization=organization, to=email, template=template, context=context
    )


def code_request(
    *, organization, email: str, purpose: str, base_url: str, ip: str = ""
) -> None:
    """Ask the background worker for a code e-mail. The same single task is
    queued whether or not the address logs in (see code_send). Refused with
    AccountError past the issue limit of the email or the client address."""
    from .tasks import send_code

    email = _normalise(email)
    if not throttle.code_allowed("issue", email=email, ip=ip):
        raise AccountError("codes_throttled")
    throttle.code_count("issue", email=email, ip=ip)
    send_code.enqueue(
        organization_id=organization.pk,
        email=_normalise(email),
        purpose=str(purpose),
        base_url=base_url,
        language=translation.get_language(),
    )


def code_verify(
    *, organization, email: str, purpose: str, code: str, ip: str = "", now=None
):
    """Use up a code. Raises AccountError when it is wrong, old or tried too often.
    A wrong try is counted (on the code, and on the email's and the client
    address's guesses across codes) even though an error is raised."""
    email = _normalise(email)
    if not throttle.code_allowed("guess", email=email, ip=ip):
        raise AccountError("guesses_throttled", field="code")
    error = _code_check(
        organization=organization, email=email, purpose=purpose, code=code, now=now
    )
    if error:
        throttle.code_count("guess", email=email, ip=ip)
        raise AccountError(error, field="code")


@transaction.atomic
def _code_check(*, organization, email, purpose, code, now=None):
    now = now or timezone.now()
    email = _normalise(email)
    record = (
        VerificationCode.objects.select_for_update()
        .filter(organization=organization, email=email, purpose=purpose)
        .order_by("-created_at", "-pk")
        .first()
    )
    if record is None or record.used_at is not None:
        # Same answer as a wrong code: a stranger learns nothing.
        _hash_code(code, email=email, purpose=purpose)
        return "code_invalid"
    if record.expires_at <= now:
        return "code_expired"
    if record.attempts >= CODE_MAX_ATTEMPTS:
        return "code_used_up"
    expected = _hash_code((code or "").strip(), email=email, purpose=purpose)
    if not hmac.compare_digest(expected, record.code_hash):
        record.attempts += 1
        record.save(update_fields=["attempts"])
        return (
            "code_used_up" if record.attempts >= CODE_MAX_ATTEMPTS else "code_invalid"
        )
    record.used_at = now
    record.save(update_fields=["used_at"])
    return None


def password_reset_request(
    *, organization, email: str, base_url: str, ip: str = ""
) -> None:
    """E-mail a reset code when the email is a login; the request does the
    same work either way (one queued task)."""
    code_request(
        organization=organization,
        email=email,
        purpose=CodePurpose.RESET_PASSWORD,
        base_url=base_url,
        ip=ip,
    )


def password_reset_suggest(
    *, organization, email: str, requested_by: str, base_url: str, ip: str = ""
) -> None:
    """Someone else (a family's primary guardian) asks this login to choose a
    new password. No code is issued: the e-mail links to Forgot Password, so
    only the owner of the address can ask for a code and enter it. Counts
    against the email's and the address's issue limits like a code."""
    email = _normalise(email)
    if not throttle.code_allowed("issue", email=email, ip=ip):
        raise AccountError("codes_throttled")
    throttle.code_count("issue", email=email, ip=ip)
    send_portal_email(
        organization=organization,
        to=email,
        template="reset_suggested",
        context={
            "requested_by": requested_by,
            "forgot_url": _portal_url(
                base_url, organization, "accounts:forgot_password"
            ),
        },
    )


def password_reset_confirm(
    *, organization, email: str, code: str, password: str, ip: str = "", now=None
):
    """Check the code and set the new password. Changing the password ends the
    login's other sessions (Django ties sessions to the password hash)."""
    code_verify(
        organization=organization,
        email=email,
        purpose=CodePurpose.RESET_PASSWORD,
        code=code,
        ip=ip,
        now=now,
    )
    user = get_user_model().objects.filter(email=_normalise(email)).first()
    if user is None:
        raise AccountError("code_invalid", field="code")
    user.set_password(password)
    user.save(update_fields=["password"])
    return user


def login_exists(email: str) -> bool:
    return get_user_model().objects.filter(email=_normalise(email)).exists()
