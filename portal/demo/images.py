"""Pictures for the demo organization, drawn with Pillow (nothing downloaded)."""

import io
import math

from PIL import Image, ImageDraw, ImageFilter


def _gradient(size, top, bottom):
    width, height = size
    image = Image.new("RGB", size, top)
    draw = ImageDraw.Draw(image)
    for y in range(height):
        t = y / max(height - 1, 1)
        color = tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        draw.line([(0, y), (width, y)], fill=color)
    return image


def pool_scene(seed: int, size=(1600, 900)) -> bytes:
    """A pool with lane ropes and light on the water."""
    palettes = [
        ((18, 92, 160), (120, 205, 235)),
        ((12, 70, 110), (80, 170, 200)),
        ((40, 60, 140), (150, 190, 240)),
        ((10, 110, 120), (140, 220, 210)),
    ]
    top, bottom = palettes[seed % len(palettes)]
    image = _gradient(size, top, bottom)
    draw = ImageDraw.Draw(image, "RGBA")
    width, height = size
    for lane in range(1, 6):
        y = lane * height // 6
        for x in range(0, width, 24):
            color = (230, 60, 60, 200) if (x // 24) % 4 == 0 else (250, 250, 250, 190)
            draw.ellipse([x, y - 7, x + 16, y + 7], fill=color)
    for i in range(70):
        x = (i * 137 + seed * 59) % width
        y = (i * 89 + seed * 31) % height
        r = 30 + (i * 7) % 60
        draw.arc([x, y, x + r * 2, y + r], 200, 340, fill=(255, 255, 255, 90), width=3)
    image = image.filter(ImageFilter.GaussianBlur(1.2))
    return _jpeg(image)


def portrait(seed: int, size=(480, 480)) -> bytes:
    """A friendly abstract head-and-shoulders figure."""
    backgrounds = [(232, 240, 250), (250, 236, 222), (226, 244, 232), (244, 230, 246)]
    shirts = [(11, 92, 173), (180, 83, 11), (30, 130, 90), (120, 60, 150)]
    skins = [(241, 194, 160), (198, 134, 94), (141, 85, 54), (224, 172, 135)]
    image = Image.new("RGB", size, backgrounds[seed % 4])
    draw = ImageDraw.Draw(image)
    w, h = size
    draw.ellipse([w * 0.15, h * 0.62, w * 0.85, h * 1.25], fill=shirts[seed % 4])
    cx, cy, r = w / 2, h * 0.42, w * 0.2
    draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=skins[seed % 4])
    for side in (-1, 1):
        ex = cx + side * r * 0.4
        draw.ellipse([ex - 6, cy - 10, ex + 6, cy + 2], fill=(40, 40, 40))
    draw.arc(
        [cx - r * 0.45, cy, cx + r * 0.45, cy + r * 0.6],
        20,
        160,
        fill=(90, 40, 40),
        width=4,
    )
    angle = seed * math.pi / 3
    draw.pieslice(
        [cx - r * 1.05, cy - r * 1.15, cx + r * 1.05, cy + r * 0.4],
        180 + math.degrees(angle) % 20,
        360,
        fill=(60, 40, 30),
    )
    return _jpeg(image)


def _jpeg(image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=82)
    return buffer.getvalue()
