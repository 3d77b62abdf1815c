"""The landing's slide image: a <picture> whose portrait source is cropped
around the image's focal point, so a phone shows what matters."""

import io
import re

import pytest
from django.core.files.images import ImageFile
from PIL import Image as PILImage
from wagtail.images.models import Image

from pages.models import NewsPage
from pages.selectors import LANDING_RENDITIONS
from tests.factories import make_news, make_organization

pytestmark = pytest.mark.django_db

PHONE_SPEC = "fill-720x1080|format-jpeg"
WIDE_SPEC = "fill-1600x900|format-jpeg"
BLUE, GREEN = (20, 60, 160), (30, 220, 40)


def wide_image(organization, *, focal_point):
    """A 1600x900 blue picture with a green buoy near its right edge."""
    picture = PILImage.new("RGB", (1600, 900), BLUE)
    picture.paste(GREEN, (1400, 380, 1560, 520))
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=95)
    image = Image(title="Buoy", collection=organization.collection)
    image.file = ImageFile(buffer, name="buoy.jpg")
    if focal_point:
        image.focal_point_x, image.focal_point_y = 1480, 450
        image.focal_point_width, image.focal_point_height = 160, 140
    image.save()
    return image


def green_share(rendition):
    with rendition.file.open("rb") as handle:
        data = PILImage.open(handle).convert("RGB").tobytes()
    pixels = [data[i : i + 3] for i in range(0, len(data), 3)]
    green = sum(1 for r, g, b in pixels if g > 150 and r < 120 and b < 120)
    return green / len(pixels)


def sources(html):
    return re.findall(r'<source media="([^"]+)" srcset="([^"]+)"', html)


def test_landing_slide_is_a_picture_without_inline_style(client):
    org = make_organization(slug="swim")
    make_news(org, title="With picture")
    make_news(org, title="No picture", image=False)
    html = client.get("/portal/swim/").content.decode()
    assert "style=" not in html
    assert html.count('<picture class="slide-picture">') == 1
    assert len(sources(html)) == 1
    assert html.count('class="slide-image"') == 1


def test_phone_crop_keeps_the_focal_point(client):
    org = make_organization(slug="swim")
    image = wide_image(org, focal_point=True)
    make_news(org, title="Buoys are back", image=False)
    NewsPage.objects.filter(title="Buoys are back").update(image=image)

    html = client.get("/portal/swim/").content.decode()
    [(media, srcset)] = sources(html)
    assert media == "(orientation: portrait)"
    phone = image.get_rendition(PHONE_SPEC)
    wide = image.get_rendition(WIDE_SPEC)
    assert srcset == phone.url
    assert f'src="{wide.url}"' in html
    # A portrait crop of a landscape picture: full height, a third of the width.
    assert (phone.width, phone.height) == (600, 900)
    # The buoy at the focal point is in the phone's crop ...
    assert green_share(phone) > 0.03
    # ... and the crop is not simply the middle of the picture: without a focal
    # point the same picture is cropped around its centre and loses the buoy.
    centred = wide_image(org, focal_point=False).get_rendition(PHONE_SPEC)
    assert green_share(centred) == 0


def test_landing_renditions_are_prefetched(client, django_assert_max_num_queries):
    org = make_organization(slug="swim")
    for i in range(3):
        make_news(org, title=f"News {i}")
    client.get("/portal/swim/")  # makes the renditions
    many = make_organization(slug="many")
    for i in range(12):
        make_news(many, title=f"Item {i}")
    client.get("/portal/many/")
    with django_assert_max_num_queries(11) as few_queries:
        client.get("/portal/swim/")
    with django_assert_max_num_queries(len(few_queries)):
        client.get("/portal/many/")
    assert {PHONE_SPEC, WIDE_SPEC} <= set(LANDING_RENDITIONS)
