"""A news image's alt text is asked for once: it is the image's own
description (Wagtail's Image.description), no longer a field of the page."""

import re

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from wagtail.images.models import Image

from tests.factories import make_news, make_organization, make_staff

pytestmark = pytest.mark.django_db


def test_news_alt_text_is_the_image_description(client):
    org = make_organization(slug="swim")
    page = make_news(org, title="Pool reopens")
    Image.objects.filter(pk=page.image_id).update(description="Lane ropes at dawn")
    bare = make_news(org, title="No words", on_landing=False)
    Image.objects.filter(pk=bare.image_id).update(description="")

    article = client.get(page.url).content.decode()
    assert re.search(r'<img alt="Lane ropes at dawn" class="article-image"', article)
    index = client.get("/portal/swim/news/").content.decode()
    assert re.search(r'<img alt="Lane ropes at dawn" class="card-image"', index)
    # An image nobody described is treated as decoration, not named by its title.
    assert re.search(r'<img alt="" class="card-image"', index)
    landing = client.get("/portal/swim/").content.decode()
    assert re.search(r'<img alt="Lane ropes at dawn" class="dialog-image"', landing)


def test_news_editor_asks_for_the_image_only(client):
    org = make_organization(slug="swim")
    page = make_news(org, title="Pool reopens")
    client.force_login(make_staff(org))
    response = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="image"' in html
    assert "image_alt" not in html
    assert "own description" in html


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_migration_moves_alt_text_onto_images_without_a_description():
    org = make_organization(slug="swim")
    blank = make_news(org, title="Blank image")
    described = make_news(org, title="Described image")
    Image.objects.filter(pk=blank.image_id).update(description="")
    Image.objects.filter(pk=described.image_id).update(description="Kept")

    before = [("pages", "0003_policypage_version")]
    after = [("pages", "0004_news_image_alt_to_image_description")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)  # the schema as it was, with NewsPage.image_alt
    try:
        old = executor.loader.project_state(before).apps
        OldNewsPage = old.get_model("pages", "NewsPage")
        OldNewsPage.objects.filter(pk=blank.pk).update(image_alt="Kids in lane two")
        OldNewsPage.objects.filter(pk=described.pk).update(image_alt="Not this")
    finally:
        MigrationExecutor(connection).migrate(after)
    assert Image.objects.get(pk=blank.image_id).description == "Kids in lane two"
    assert Image.objects.get(pk=described.image_id).description == "Kept"
