"""The page editor's form: an organization's pages use only its own images.

Every image a page can hold is checked: image fields of the page, image
fields of its inline rows (staff members' photos) and image blocks anywhere
in its StreamFields. An image must be one the user may choose, and must not
be in another organization's collection; otherwise the field (or the block)
shows the error and nothing is saved.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.blocks.list_block import ListBlockValidationError
from wagtail.blocks.stream_block import StreamBlockValidationError
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.fields import StreamValue
from wagtail.images import get_image_model
from wagtail.images.blocks import ImageBlock, ImageChooserBlock
from wagtail.images.models import AbstractImage
from wagtail.images.widgets import AdminImageChooser
from wagtail.permissions import policy_registry

OTHER_IMAGE = _("Choose an image from this organization's own collection.")


def images_allowed_on(*, organization, user):
    """Images the user may choose for a page of the organization: none of
    another organization's collections."""
    from portal.tenancy.models import Organization

    Image = get_image_model()
    images = policy_registry.get_by_type(Image).instances_user_has_any_permission_for(
        user, ["choose"]
    )
    for other in Organization.objects.exclude(pk=getattr(organization, "pk", None)):
        if other.collection_id:
            images = images.exclude(collection__path__startswith=other.collection.path)
    return images


def _is_image_field(field):
    return isinstance(field, forms.ModelChoiceField) and issubclass(
        field.queryset.model, AbstractImage
    )


def _block_images(block, value):
    """Ids of the images in a block's value (any depth)."""
    if value is None:
        return
    if isinstance(block, (ImageBlock, ImageChooserBlock)):
        yield value.pk
    elif isinstance(block, blocks.StreamBlock):
        for child in value:
            yield from _block_images(child.block, child.value)
    elif isinstance(block, blocks.ListBlock):
        for child in value.bound_blocks:
            yield from _block_images(child.block, child.value)
    elif isinstance(block, blocks.StructBlock):
        for name, child_block in block.child_blocks.items():
            yield from _block_images(child_block, value.get(name))


def _without_refused(block, value, allowed):
    """The block's value with every refused image taken out, so that the form
    shown again with its errors does not draw another organization's image."""
    if value is None:
        return None
    if isinstance(block, (ImageBlock, ImageChooserBlock)):
        return value if value.pk in allowed else None
    if isinstance(block, blocks.StreamBlock):
        for index, child in enumerate(value):
            kept = _without_refused(child.block, child.value, allowed)
            value[index] = StreamValue.StreamChild(child.block, kept, id=child.id)
    elif isinstance(block, blocks.ListBlock):
        for index, child in enumerate(list(value.bound_blocks)):
            value[index] = _without_refused(child.block, child.value, allowed)
    elif isinstance(block, blocks.StructBlock):
        for name, child_block in block.child_blocks.items():
            value[name] = _without_refused(child_block, value.get(name), allowed)
    return value


class OwnImageChooser(AdminImageChooser):
    """Draws the chosen image only when it is one of the allowed images: a
    refused image id posted back is shown as no image, next to the error."""

    allowed_images = None

    def get_instance(self, value):
        instance = super().get_instance(value)
        if instance is None or self.allowed_images is None:
            return instance
        return instance if self.allowed_images.filter(pk=instance.pk).exists() else None


def _block_error(block, value, allowed):
    """The validation error for the images of a block's value, or None."""
    if value is None:
        return None
    if isinstance(block, ImageBlock):
        if value.pk in allowed:
            return None
        return StructBlockValidationError(
            block_errors={"image": ValidationError(OTHER_IMAGE)}
        )
    if isinstance(block, ImageChooserBlock):
        return None if value.pk in allowed else ValidationError(OTHER_IMAGE)
    if isinstance(block, blocks.StreamBlock):
        errors = {
            index: error
            for index, child in enumerate(value)
            if (error := _block_error(child.block, child.value, allowed))
        }
        return StreamBlockValidationError(block_errors=errors) if errors else None
    if isinstance(block, blocks.ListBlock):
        errors = {
            index: error
            for index, child in enumerate(value.bound_blocks)
            if (error := _block_error(child.block, child.value, allowed))
        }
        return ListBlockValidationError(block_errors=errors) if errors else None
    if isinstance(block, blocks.StructBlock):
        errors = {
            name: error
            for name, child_block in block.child_blocks.items()
            if (error := _block_error(child_block, value.get(name), allowed))
        }
        return StructBlockValidationError(block_errors=errors) if errors else None
    return None


class OrganizationPageForm(WagtailAdminPageForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.for_user is None:
            return
        self.allowed_images = images_allowed_on(
            organization=self.page_organization(), user=self.for_user
        )
        for form in self._forms():
            for field in form.fields.values():
                if _is_image_field(field):
                    field.queryset = self.allowed_images
                    field.error_messages["invalid_choice"] = OTHER_IMAGE
                    if isinstance(field.widget, AdminImageChooser):
                        field.widget = OwnImageChooser(attrs=field.widget.attrs)
                        field.widget.allowed_images = self.allowed_images

    def _forms(self, form=None):
        """This form and the forms of its inline rows, at any depth."""
        form = form or self
        yield form
        for formset in getattr(form, "formsets", {}).values():
            for child in formset.forms:
                yield from self._forms(child)

    def page_organization(self):
        from .models import PortalHomePage

        page = self.instance if self.instance.pk else self.parent_page
        if page is None:
            return None
        home = PortalHomePage.objects.ancestor_of(page, inclusive=True).first()
        return home.organization if home else None

    def clean(self):
        cleaned = super().clean()
        if self.for_user is None:
            return cleaned
        streams = [
            (name, self.fields[name].block, value)
            for name, value in cleaned.items()
            if isinstance(value, StreamValue)
        ]
        used = {
            pk for _name, block, value in streams for pk in _block_images(block, value)
        }
        if not used:
            return cleaned
        allowed = set(
            self.allowed_images.filter(pk__in=used).values_list("pk", flat=True)
        )
        for name, block, value in streams:
            error = _block_error(block, value, allowed)
            if error is not None:
                self.add_error(name, error)
                self.refused_in_streams[self.add_prefix(name)] = (block, allowed)
        return cleaned

    @cached_property
    def refused_in_streams(self):
        return {}

    def _widget_data_value(self, widget, html_name):
        value = super()._widget_data_value(widget, html_name)
        if html_name in self.refused_in_streams:
            block, allowed = self.refused_in_streams[html_name]
            value = _without_refused(block, value, allowed)
        return value
