import pytest
from django.contrib.auth import authenticate
from django.db import IntegrityError

from portal.accounts.models import User

pytestmark = pytest.mark.django_db


def test_email_is_the_login_and_is_normalised():
    user = User.objects.create_user("  Parent@Example.COM ", "long-password-1")
    assert user.email == "parent@example.com"
    assert user.USERNAME_FIELD == "email"
    assert authenticate(email="PARENT@example.com", password="long-password-1") == user
    assert authenticate(email="parent@example.com", password="wrong-password") is None


def test_email_is_unique_whatever_the_case():
    User.objects.create_user("one@example.com", "long-password-1")
    with pytest.raises(IntegrityError):
        User.objects.create_user("ONE@example.com", "long-password-2")


def test_new_users_are_not_staff():
    user = User.objects.create_user("p@example.com", "long-password-1")
    assert not user.is_staff and not user.is_superuser
    admin = User.objects.create_superuser("a@example.com", "long-password-1")
    assert admin.is_staff and admin.is_superuser


def test_email_is_required():
    with pytest.raises(ValueError):
        User.objects.create_user("", "long-password-1")
