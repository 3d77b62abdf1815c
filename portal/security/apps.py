import warnings

from django.apps import AppConfig
from django.conf import settings


class SecurityConfig(AppConfig):
    name = "portal.security"
    label = "security"
    verbose_name = "Security"

    def ready(self):
        from . import choosers

        choosers.install()
        limit_image_pixels()


def limit_image_pixels():
    """Refuse an image above WAGTAILIMAGES_MAX_IMAGE_PIXELS before decoding it.

    Wagtail counts an upload's pixels only after Pillow has decoded the whole
    image, which for a small file declaring huge dimensions takes gigabytes.
    Pillow checks the header as it opens a file and raises an error above
    twice its MAX_IMAGE_PIXELS: set to half of Portico's limit, it stops such
    a file first, and Wagtail's upload form shows its "too many pixels"
    message. (Below that, Pillow only warns, about images Portico accepts.)
    """
    from PIL import Image

    limit = getattr(settings, "WAGTAILIMAGES_MAX_IMAGE_PIXELS", None)
    if limit:
        Image.MAX_IMAGE_PIXELS = limit // 2
        warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)
