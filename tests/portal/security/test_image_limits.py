"""Image uploads are refused above a pixel count, whatever their file size:
a small file can declare dimensions that take gigabytes to decode, so the
check happens on the header, before decoding."""

import io
import struct
import zlib

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.images.models import Image

from tests.factories import make_organization, make_staff

pytestmark = pytest.mark.django_db


def png_declaring(width, height):
    """A valid PNG header for width x height grey pixels; almost no data."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def small_png():
    from PIL import Image as PILImage

    buffer = io.BytesIO()
    PILImage.new("RGB", (40, 30), (20, 90, 160)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def staff_client(client):
    organization = make_organization(slug="swim")
    client.force_login(make_staff(organization))
    client.collection_id = organization.collection_id
    return client


def test_the_limits_are_set():
    assert settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS == 50_000_000
    assert settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE == 10 * 1024 * 1024


def test_a_small_file_declaring_too_many_pixels_is_refused(staff_client):
    bomb = png_declaring(8000, 8000)  # 64 million pixels in about 100 bytes
    assert len(bomb) < 200
    response = staff_client.post(
        "/admin/images/add/",
        {
            "title": "Huge",
            "collection": staff_client.collection_id,
            "file": SimpleUploadedFile("huge.png", bomb, content_type="image/png"),
        },
    )
    assert response.status_code == 200  # the form again, with its error
    html = response.content.decode()
    # Refused from its header, before Pillow decodes it (it could not: the
    # file holds almost no pixel data).
    assert "This file has too many pixels (unknown number)." in html
    assert "Maximum pixels 50000000." in html
    assert not Image.objects.exists()


def test_the_multiple_upload_refuses_it_too(staff_client):
    response = staff_client.post(
        "/admin/images/multiple/add/",
        {
            "files[]": SimpleUploadedFile(
                "huge.png", png_declaring(8000, 8000), content_type="image/png"
            ),
            "collection": staff_client.collection_id,
        },
    )
    result = response.json()
    assert result["success"] is False
    assert "too many pixels" in result["error_message"]
    assert not Image.objects.exists()


def test_an_ordinary_image_is_still_accepted(staff_client):
    response = staff_client.post(
        "/admin/images/add/",
        {
            "title": "Pool",
            "collection": staff_client.collection_id,
            "file": SimpleUploadedFile(
                "pool.png", small_png(), content_type="image/png"
            ),
        },
    )
    assert response.status_code == 302
    assert Image.objects.get().title == "Pool"
