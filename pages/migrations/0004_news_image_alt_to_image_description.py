"""NewsPage.image_alt goes: a news image's alt text is the image's own
description. An existing alt text is carried over to its image when the image
has no description yet (an image's description, once written, wins)."""

from django.db import migrations


def alt_text_to_image_description(apps, schema_editor):
    NewsPage = apps.get_model("pages", "NewsPage")
    Image = apps.get_model("wagtailimages", "Image")
    pages = (
        NewsPage.objects.exclude(image=None)
        .exclude(image_alt="")
        .order_by("-last_published_at", "-pk")
        .values_list("image_id", "image_alt")
    )
    for image_id, alt in pages:
        Image.objects.filter(pk=image_id, description="").update(
            description=alt[:255]
        )


def image_description_to_alt_text(apps, schema_editor):
    NewsPage = apps.get_model("pages", "NewsPage")
    for page in NewsPage.objects.exclude(image=None).select_related("image"):
        if page.image.description:
            NewsPage.objects.filter(pk=page.pk).update(
                image_alt=page.image.description[:200]
            )


class Migration(migrations.Migration):
    dependencies = [
        ("pages", "0003_policypage_version"),
        ("wagtailimages", "0027_image_description"),
    ]

    operations = [
        migrations.RunPython(
            alt_text_to_image_description, image_description_to_alt_text
        ),
        migrations.RemoveField(model_name="newspage", name="image_alt"),
    ]
