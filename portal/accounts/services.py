"""Writes for identity: verification codes, password resets, log in."""

import datetime
import hmac
import secrets

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from .emails import send_portal_email
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
def code_issue(*, organization, email: str, purpose: str, now=None, send=True) -> str:
    """Create a fresh code (voiding earlier ones) and e-mail it. Returns the code
    so the caller can decide what to do; views never show it."""
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
    if send:
        template = (
            "verify_code" if purpose == CodePurpose.VERIFY_EMAIL else "reset_code"
        )
        send_portal_email(
            organization=organization,
            to=email,
            template=template,
            context={"code": code, "minutes": int(CODE_LIFETIME.total_seconds() // 60)},
        )
    return code


def code_verify(*, organization, email: str, purpose: str, code: str, now=None):
    """Use up a code. Raises AccountError when it is wrong, old or tried too often.
    A wrong try is counted even though an error is raised."""
    error = _code_check(
        organization=organization, email=email, purpose=purpose, code=code, now=now
    )
    if error:
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


def password_reset_request(*, organization, email: str, now=None) -> None:
    """E-mail a reset code when the email is a login; otherwise do the same
    work and send nothing, so both cases look alike from outside."""
    email = _normalise(email)
    exists = get_user_model().objects.filter(email=email, is_active=True).exists()
    code_issue(
        organization=organization,
        email=email,
        purpose=CodePurpose.RESET_PASSWORD,
        now=now,
        send=exists,
    )


def password_reset_confirm(
    *, organization, email: str, code: str, password: str, now=None
):
    """Check the code and set the new password. Changing the password ends the
    login's other sessions (Django ties sessions to the password hash)."""
    code_verify(
        organization=organization,
        email=email,
        purpose=CodePurpose.RESET_PASSWORD,
        code=code,
        now=now,
    )
    user = get_user_model().objects.filter(email=_normalise(email)).first()
    if user is None:
        raise AccountError("code_invalid", field="code")
    user.set_password(password)
    user.save(update_fields=["password"])
    return user


def dummy_password_work(password: str) -> None:
    """Spend the time a real password check takes (for unknown emails)."""
    get_user_model()().set_password(password or "x")
