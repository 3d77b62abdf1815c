import pytest
from django.core.exceptions import ValidationError

from portal.tenancy.models import Location, PortalMode
from tests.factories import make_organization

pytestmark = pytest.mark.django_db


def test_location_address_lines_skip_empty_parts():
    loc = Location(
        name="X",
        address_line1="1 Main St",
        city="Springfield",
        region="IL",
        postal_code="62701",
    )
    assert loc.address_lines == ["1 Main St", "Springfield, IL 62701"]
    assert Location(name="Y").address_lines == []


def test_primary_location_cannot_be_inactive(unscoped):
    org = make_organization()
    location = org.locations.get()
    location.is_active = False
    with pytest.raises(ValidationError) as excinfo:
        location.full_clean()
    assert "is_active" in excinfo.value.message_dict


@pytest.mark.parametrize("seconds,ok", [(2, False), (3, True), (60, True), (61, False)])
def test_carousel_seconds_range(unscoped, seconds, ok):
    settings = make_organization().portal_settings
    settings.carousel_seconds = seconds
    if ok:
        settings.full_clean()
    else:
        with pytest.raises(ValidationError):
            settings.full_clean()


def test_portal_settings_mode_flags(unscoped):
    settings = make_organization(mode=PortalMode.SETUP).portal_settings
    assert settings.is_read_only and not settings.is_open
    settings.mode = PortalMode.ACTIVE
    assert settings.is_open and not settings.is_read_only
    assert not settings.has_mobile_apps
    settings.ios_app_url = "https://apps.example.com/ios"
    assert settings.has_mobile_apps
