"""An organization's pages hold only its own images: the page editor refuses
another organization's image ids in the page's image field, in a staff
member's photo and in an image block of the news body, with the error next to
the field, without drawing the other organization's image, saving nothing."""

import pytest
from django.urls import reverse
from wagtail.images.models import Image
from wagtail.models import Collection
from wagtail.test.utils.form_data import (
    nested_form_data,
    querydict_from_html,
    streamfield,
)

from pages.forms import OTHER_IMAGE
from pages.models import NewsPage, StaffPage
from tests.factories import UserFactory, make_image, make_news

pytestmark = pytest.mark.django_db

MESSAGE = str(OTHER_IMAGE)


def edit_data(client, page, **changes):
    """The editor's form as rendered (StreamField inputs are drawn by
    JavaScript: the body is left empty unless given)."""
    response = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
    assert response.status_code == 200
    data = querydict_from_html(response.content.decode(), form_id="page-edit-form")
    data["body-count"] = "0"
    data["action-publish"] = "action-publish"
    for name, value in changes.items():
        data[name] = value
    return data


def post(client, page, data):
    return client.post(reverse("wagtailadmin_pages:edit", args=[page.pk]), data)


def image_block_data(image):
    return nested_form_data(
        {
            "body": streamfield(
                [("image", {"image": image.pk, "alt_text": "Lanes", "decorative": ""})]
            )
        }
    )


@pytest.fixture
def news(world):
    """A news page of Alpha's outside any workflow (not locked)."""
    return make_news(world.alpha.organization, title="Alpha pool hours", image=False)


def state(page):
    page = type(page).objects.get(pk=page.pk)
    return page.revisions.count(), page.title


def test_news_image_of_other_organization_is_refused(client, world, news):
    client.force_login(world.alpha.staff)
    before = state(news)
    data = edit_data(client, news, image=str(world.bravo.image.pk), title="Changed")
    response = post(client, news, data)
    assert response.status_code == 200
    assert response.context["form"].errors["image"] == [MESSAGE]
    html = response.content.decode()
    assert MESSAGE.replace("'", "&#x27;") in html
    assert "Bravo" not in html
    assert "bravo" not in html
    assert state(news) == before


def test_news_image_of_own_organization_is_saved(client, world, news):
    client.force_login(world.alpha.staff)
    other_alpha_image = make_image(world.alpha.organization, title="Alpha lanes")
    data = edit_data(client, news, image=str(other_alpha_image.pk))
    response = post(client, news, data)
    assert response.status_code == 302
    assert NewsPage.objects.get(pk=news.pk).image_id == other_alpha_image.pk


def test_staff_member_photo_of_other_organization_is_refused(client, world):
    client.force_login(world.alpha.staff)
    page = world.alpha.staff_page
    before = state(page)
    data = edit_data(client, page, **{"members-0-photo": str(world.bravo.image.pk)})
    response = post(client, page, data)
    assert response.status_code == 200
    member_form = response.context["form"].formsets["members"].forms[0]
    assert member_form.errors["photo"] == [MESSAGE]
    html = response.content.decode()
    assert "Bravo" not in html
    assert "bravo" not in html
    assert state(page) == before
    member = StaffPage.objects.get(pk=page.pk).members.get()
    assert member.photo_id == world.alpha.image.pk


def test_image_block_of_other_organization_is_refused(client, world, news):
    client.force_login(world.alpha.staff)
    before = state(news)
    data = edit_data(client, news)
    data.update(image_block_data(world.bravo.image))
    response = post(client, news, data)
    assert response.status_code == 200
    (error,) = response.context["form"].errors.as_data()["body"]
    assert error.block_errors[0].block_errors["image"].messages == [MESSAGE]
    html = response.content.decode()
    # The block's error is drawn by JavaScript from the data in the page.
    assert MESSAGE.replace("'", "&#x27;") in html
    assert "Bravo" not in html
    assert "bravo" not in html
    assert state(news) == before


def test_image_block_of_own_organization_is_saved(client, world, news):
    client.force_login(world.alpha.staff)
    data = edit_data(client, news)
    data.update(image_block_data(world.alpha.image))
    response = post(client, news, data)
    assert response.status_code == 302
    (block,) = NewsPage.objects.get(pk=news.pk).body
    assert block.value.pk == world.alpha.image.pk


def test_superuser_cannot_put_one_organization_image_on_another_page(
    client, world, news
):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    before = state(news)
    data = edit_data(client, news, image=str(world.bravo.image.pk))
    response = post(client, news, data)
    assert response.status_code == 200
    assert response.context["form"].errors["image"] == [MESSAGE]
    assert state(news) == before

    shared = Image.objects.get(pk=make_image(world.alpha.organization, "Shared").pk)
    shared.collection = Collection.get_first_root_node()
    shared.save()
    data = edit_data(client, news, image=str(shared.pk))
    assert post(client, news, data).status_code == 302
    assert NewsPage.objects.get(pk=news.pk).image_id == shared.pk
