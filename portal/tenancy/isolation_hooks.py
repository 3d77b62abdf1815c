"""Wagtail hooks that keep one organization's admin data from another's staff.

Imported by portal/tenancy/wagtail_hooks.py, so Wagtail registers them.
Wagtail's admin views that no hook reaches are guarded by
portal/tenancy/admin_guard.py.

- The admin API's image and document endpoints list and show only what is in
  the user's organizations' collections.
- Bulk actions (pages, images, documents, users) act on, and name, only the
  user's organizations' objects; asking only for others' is a 404.
- A document in an organization's collection downloads for that
  organization's staff and superusers, and for anyone when a live page of
  the organization links to it (the portal shows it to parents); everyone
  else gets a 404. Documents outside every organization's collection keep
  Wagtail's rules.
"""

from django.contrib.contenttypes.models import ContentType
from django.http import Http404
from wagtail import hooks
from wagtail.admin.views.pages.bulk_actions.delete import (
    DeleteBulkAction as PageDelete,
)
from wagtail.admin.views.pages.bulk_actions.move import MoveBulkAction as PageMove
from wagtail.admin.views.pages.bulk_actions.publish import (
    PublishBulkAction as PagePublish,
)
from wagtail.admin.views.pages.bulk_actions.unpublish import (
    UnpublishBulkAction as PageUnpublish,
)
from wagtail.documents.api.admin.views import DocumentsAdminAPIViewSet
from wagtail.documents.views.bulk_actions.add_tags import (
    AddTagsBulkAction as DocumentAddTags,
)
from wagtail.documents.views.bulk_actions.add_to_collection import (
    AddToCollectionBulkAction as DocumentAddToCollection,
)
from wagtail.documents.views.bulk_actions.delete import (
    DeleteBulkAction as DocumentDelete,
)
from wagtail.images.api.admin.views import ImagesAdminAPIViewSet
from wagtail.images.views.bulk_actions.add_tags import (
    AddTagsBulkAction as ImageAddTags,
)
from wagtail.images.views.bulk_actions.add_to_collection import (
    AddToCollectionBulkAction as ImageAddToCollection,
)
from wagtail.images.views.bulk_actions.delete import DeleteBulkAction as ImageDelete
from wagtail.models import Page, ReferenceIndex
from wagtail.users.views.bulk_actions.assign_role import (
    AssignRoleBulkAction as UserAssignRole,
)
from wagtail.users.views.bulk_actions.delete import DeleteBulkAction as UserDelete
from wagtail.users.views.bulk_actions.set_active_state import (
    SetActiveStateBulkAction as UserSetActiveState,
)

from .permissions import (
    collections_for_user,
    organization_of_collection,
    own_pages_for_user,
    user_organization_ids,
    visible_to,
)

# Registered after Wagtail's own hooks (order 0), so these replace them.
AFTER_WAGTAIL = 1


class OrganizationImagesAPIViewSet(ImagesAdminAPIViewSet):
    def get_queryset(self):
        collections = collections_for_user(self.request.user)
        return super().get_queryset().filter(collection__in=collections)


class OrganizationDocumentsAPIViewSet(DocumentsAdminAPIViewSet):
    def get_queryset(self):
        collections = collections_for_user(self.request.user)
        return super().get_queryset().filter(collection__in=collections)


@hooks.register("construct_admin_api", order=AFTER_WAGTAIL)
def limit_admin_api_to_own_collections(router):
    router.register_endpoint("images", OrganizationImagesAPIViewSet)
    router.register_endpoint("documents", OrganizationDocumentsAPIViewSet)


def _visible_pks(user, model, pks):
    queryset = model._default_manager.filter(pk__in=pks)
    if issubclass(model, Page):
        queryset = own_pages_for_user(queryset, user)
    elif hasattr(model, "collection"):
        queryset = queryset.filter(collection__in=collections_for_user(user))
    else:
        queryset = visible_to(queryset, user)
    return set(queryset.values_list("pk", flat=True))


class OrganizationBulkActionMixin:
    """The confirmation lists (and the action touches) only objects of the
    user's organizations; the others are left out without a word."""

    def get_actionable_objects(self):
        objects, extra = super().get_actionable_objects()
        refused = extra["items_with_no_access"]
        visible = _visible_pks(
            self.request.user, self.model, [obj.pk for obj in objects + refused]
        )
        objects = [obj for obj in objects if obj.pk in visible]
        extra["items_with_no_access"] = [obj for obj in refused if obj.pk in visible]
        if not objects and not extra["items_with_no_access"]:
            raise Http404
        return objects, extra


for _action in (
    PageDelete,
    PageMove,
    PagePublish,
    PageUnpublish,
    ImageAddTags,
    ImageAddToCollection,
    ImageDelete,
    DocumentAddTags,
    DocumentAddToCollection,
    DocumentDelete,
    UserAssignRole,
    UserDelete,
    UserSetActiveState,
):
    hooks.register(
        "register_bulk_action",
        type(_action.__name__, (OrganizationBulkActionMixin, _action), {}),
        order=AFTER_WAGTAIL,
    )


def _linked_from_live_page(document, organization):
    from pages.models import PortalHomePage

    home = PortalHomePage.objects.filter(organization=organization).first()
    if home is None:
        return False
    page_type = ContentType.objects.get_for_model(Page)
    page_ids = (
        ReferenceIndex.get_references_to(document)
        .filter(base_content_type=page_type)
        .values_list("object_id", flat=True)
    )
    return (
        Page.objects.live()
        .filter(pk__in=[int(pk) for pk in page_ids], path__startswith=home.path)
        .exists()
    )


@hooks.register("before_serve_document")
def serve_documents_to_their_organization(document, request):
    organization = organization_of_collection(document.collection)
    if organization is None:
        return None
    org_ids = user_organization_ids(request.user)
    if org_ids is None or organization.pk in org_ids:
        return None
    if _linked_from_live_page(document, organization):
        return None
    raise Http404
