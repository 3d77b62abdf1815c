"""What staff still see of their own organization where Wagtail's admin used to
show every organization's: the admin API, tag suggestions, the media
listings' tag filters, report filters, bulk actions, move and workflow
confirmations, and document downloads. (Every admin URL visited with the
other organization's ids: test_admin_urls.py.)"""

import json

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from wagtail.documents import get_document_model
from wagtail.models import Collection

from tests.factories import UserFactory
from tests.portal.tenancy.conftest import make_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def alpha(client, world):
    client.force_login(world.alpha.staff)
    return client


@pytest.fixture
def superuser(world):
    client = Client()
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    return client


def titles(response):
    assert response.status_code == 200
    return [item["title"] for item in response.json()["items"]]


def test_admin_api_lists_only_own_images_and_documents(alpha, superuser, world):
    images = reverse("wagtailadmin_api:images:listing")
    documents = reverse("wagtailadmin_api:documents:listing")
    assert titles(alpha.get(images)) == ["Alpha photo"]
    assert titles(alpha.get(documents)) == ["Alpha handbook"]
    own = reverse("wagtailadmin_api:images:detail", args=[world.alpha.image.pk])
    assert alpha.get(own).json()["title"] == "Alpha photo"
    assert sorted(titles(superuser.get(images))) == ["Alpha photo", "Bravo photo"]
    assert sorted(titles(superuser.get(documents))) == [
        "Alpha handbook",
        "Bravo handbook",
    ]


@pytest.mark.parametrize(
    "name,args",
    [
        ("wagtailadmin_tag_autocomplete", []),
        ("wagtailadmin_tag_model_autocomplete", ["taggit", "tag"]),
    ],
)
def test_tag_suggestions_are_own_organization_tags(alpha, superuser, name, args):
    url = reverse(name, args=args)
    assert alpha.get(url, {"term": "secret"}).json() == ["secretalpha"]
    assert superuser.get(url, {"term": "secret"}).json() == [
        "secretalpha",
        "secretbravo",
    ]


def test_media_listings_offer_only_own_tags(alpha):
    for name in ("wagtailimages:index", "wagtaildocs:index"):
        body = alpha.get(reverse(name)).content.decode()
        assert 'value="secretalpha"' in body
        assert "secretbravo" not in body
    chooser = alpha.get(reverse("wagtailimages_chooser:choose")).json()["html"]
    assert "secretalpha" in chooser
    assert "secretbravo" not in chooser


def test_report_filters_offer_only_own_users_and_workflows(alpha, superuser):
    locked = alpha.get(reverse("wagtailadmin_reports:locked_pages"))
    assert "Alpha waiver" in locked.content.decode()
    assert ">Alpha Keeper</option>" in locked.content.decode()
    assert "Bravo" not in locked.content.decode()
    for name in ("workflow", "workflow_tasks"):
        body = alpha.get(reverse(f"wagtailadmin_reports:{name}")).content.decode()
        assert ">Alpha review</option>" in body
        assert "Bravo" not in body
    body = superuser.get(reverse("wagtailadmin_reports:workflow")).content.decode()
    assert ">Bravo review</option>" in body


def test_bulk_action_confirmation_lists_only_own_pages(alpha, world):
    url = reverse("wagtail_bulk_action", args=["wagtailcore", "page", "unpublish"])
    response = alpha.get(url, {"id": [world.alpha.policy.pk, world.bravo.news.pk]})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Alpha waiver" in body
    assert "Bravo" not in body
    only_bravo = alpha.get(url, {"id": [world.bravo.news.pk]})
    assert only_bravo.status_code == 404


def test_move_confirmation_only_within_own_tree(alpha, superuser, world):
    def confirm(page, destination):
        return reverse(
            "wagtailadmin_pages:move_confirm", args=[page.pk, destination.pk]
        )

    own = alpha.get(confirm(world.alpha.policy, world.alpha.policy.get_parent()))
    assert own.status_code == 200
    assert "Alpha waiver" in own.content.decode()
    assert alpha.get(confirm(world.alpha.policy, world.bravo.home)).status_code == 404
    assert alpha.get(confirm(world.bravo.news, world.alpha.home)).status_code == 404
    other = superuser.get(confirm(world.bravo.news, world.bravo.news_index))
    assert other.status_code == 200


def test_workflow_cancellation_confirmation_only_for_own_pages(alpha, world):
    def url(page):
        return reverse(
            "wagtailadmin_pages:confirm_workflow_cancellation", args=[page.pk]
        )

    own = alpha.get(url(world.alpha.news))
    assert own.status_code == 200
    assert "Alpha approval" in own.json()["html"]
    refused = alpha.get(url(world.bravo.news))
    assert refused.status_code == 404
    assert "Bravo" not in refused.content.decode()


def test_page_chooser_does_not_open_other_organization_pages(alpha, world):
    own = alpha.get(
        reverse("wagtailadmin_choose_page_child", args=[world.alpha.news_index.pk])
    )
    assert own.status_code == 200
    assert "Alpha news" in own.json()["html"]
    other = reverse("wagtailadmin_choose_page_child", args=[world.bravo.news_index.pk])
    assert alpha.get(other).status_code == 404
    chosen = reverse("wagtailadmin_choose_page_chosen_multiple")
    assert alpha.get(chosen, {"id": [world.bravo.news.pk]}).status_code == 404
    mine = alpha.get(chosen, {"id": [world.alpha.policy.pk]}).json()
    assert [page["adminTitle"] for page in mine["result"]] == ["Alpha waiver"]


# Document downloads ------------------------------------------------------------


def download(client, document):
    return client.get(document.url)


def content(response):
    return b"".join(response.streaming_content).decode()


def test_staff_download_their_own_organization_documents(alpha, world):
    response = download(alpha, world.alpha.document)
    assert response.status_code == 200
    assert content(response) == "Alpha handbook text"


def test_other_organizations_documents_do_not_download(alpha, client, world):
    assert download(alpha, world.bravo.document).status_code == 404
    anonymous = Client()
    assert download(anonymous, world.bravo.document).status_code == 404
    parent = Client()
    parent.login(email="parent@bravo.example.com", password="correct-horse-9")
    assert download(parent, world.bravo.document).status_code == 404


def test_document_files_are_not_served_from_media(alpha, superuser, world):
    """The check above cannot be skipped by asking for the stored file."""
    for document in (world.alpha.document, world.bravo.document):
        path = f"{settings.MEDIA_URL}{document.file.name}"
        assert path.startswith("/media/documents/")
        assert alpha.get(path).status_code == 404
        assert superuser.get(path).status_code == 404
        assert Client().get(path).status_code == 404


def test_superuser_downloads_every_document(superuser, world):
    response = download(superuser, world.bravo.document)
    assert response.status_code == 200
    assert content(response) == "Bravo handbook text"


def test_document_linked_from_a_live_page_is_public(world):
    document = world.bravo.document
    policy = world.bravo.policy
    policy.body = (
        f'<p>Read the <a linktype="document" id="{document.pk}">handbook</a></p>'
    )
    policy.save_revision().publish()
    anonymous = Client()
    response = download(anonymous, document)
    assert response.status_code == 200
    assert content(response) == "Bravo handbook text"

    policy.unpublish()
    assert download(anonymous, document).status_code == 404


def test_documents_outside_every_organization_keep_wagtail_rules(world):
    shared = make_document(world.alpha.organization, "Shared terms")
    shared.collection = Collection.get_first_root_node()
    shared.save()
    shared = get_document_model().objects.get(pk=shared.pk)
    assert download(Client(), shared).status_code == 200


def test_staff_add_documents_to_their_own_collection_only(alpha, world):
    chooser = json.dumps(alpha.get(reverse("wagtaildocs_chooser:choose")).json())
    assert "Alpha handbook" in chooser
    assert "Bravo" not in chooser

    def add(title, collection):
        upload = SimpleUploadedFile(f"{title}.txt", b"Timetable", "text/plain")
        return alpha.post(
            reverse("wagtaildocs:add"),
            {"title": title, "file": upload, "collection": collection.pk},
        )

    assert add("Alpha timetable", world.alpha.collection).status_code == 302
    Document = get_document_model()
    added = Document.objects.get(title="Alpha timetable")
    assert added.collection_id == world.alpha.collection.pk

    # Staff who can add to one collection only are not asked for it: a posted
    # collection is ignored.
    assert add("Planted", world.bravo.collection).status_code == 302
    assert (
        Document.objects.get(title="Planted").collection_id == world.alpha.collection.pk
    )
    assert list(
        Document.objects.filter(collection=world.bravo.collection).values_list(
            "title", flat=True
        )
    ) == ["Bravo handbook"]
