from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.images.blocks import ImageBlock


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("heading"), max_length=120)

    class Meta:
        icon = "title"
        template = "pages/blocks/heading_block.html"
        preview_value = {"text": "Summer swim sessions"}


class CalloutBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("title"), max_length=120)
    text = blocks.RichTextBlock(label=_("text"), features=["bold", "italic", "link"])

    class Meta:
        icon = "warning"
        template = "pages/blocks/callout_block.html"
        preview_value = {
            "title": "Pool closed Monday",
            "text": "<p>Lessons move to Tuesday this week.</p>",
        }


class BodyBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(
        features=["h3", "bold", "italic", "link", "ol", "ul"],
        template="pages/blocks/paragraph_block.html",
        preview_value="<p>Our instructors are certified and friendly.</p>",
    )
    image = ImageBlock(template="pages/blocks/image_block.html")
    callout = CalloutBlock()
