"""Draws the integration's brand images, so every size comes from one drawing.

Home Assistant 2026.3 and later show a custom integration's own ``brand/`` images (icon and
logo, light and dark, at 1x and 2x); before this script the icon was drawn once by hand and had
no 2x or logo. Run ``python -m devtools.brand`` after changing the drawing and commit the PNGs:
they are data, not built at install time.

The drawing is made on a 256-unit square, rendered at four times the target size and
downsampled, which gives smooth edges without an anti-aliasing library.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from PIL import Image, ImageDraw, ImageFont

BRAND: Final = Path(__file__).resolve().parents[1] / "custom_components" / "home_type" / "brand"
FONT: Final = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
BLUE: Final = (3, 169, 244, 255)  # Home Assistant's primary blue
DARK_BLUE: Final = (2, 119, 189, 255)
WHITE: Final = (255, 255, 255, 255)
SUPERSAMPLE: Final = 4
TEXT_LIGHT: Final = (33, 33, 33, 255)
TEXT_DARK: Final = (225, 225, 225, 255)


def _house(size: int) -> Image.Image:
    """The house with a magnifying glass, ``size`` pixels square, transparent around it."""
    k = size * SUPERSAMPLE / 256

    def xy(*points: float) -> list[float]:
        return [p * k for p in points]

    image = Image.new("RGBA", (size * SUPERSAMPLE,) * 2, (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rectangle(xy(170, 40, 194, 96), fill=BLUE)  # chimney
    draw.polygon(xy(14, 126, 128, 22, 242, 126), fill=BLUE)  # roof
    draw.rectangle(xy(44, 118, 212, 232), fill=BLUE)  # walls
    draw.rounded_rectangle(xy(68, 150, 108, 232), radius=6 * k, fill=DARK_BLUE)  # door
    draw.line(xy(188, 182, 228, 222), fill=WHITE, width=round(22 * k))  # handle, outlined
    draw.line(xy(190, 184, 226, 220), fill=DARK_BLUE, width=round(12 * k))
    draw.ellipse(xy(128, 118, 204, 194), fill=WHITE)  # lens ring
    draw.ellipse(xy(140, 130, 192, 182), fill=BLUE)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def _logo(height: int, text_colour: tuple[int, int, int, int]) -> Image.Image:
    """The icon followed by the name, ``height`` pixels high."""
    font = ImageFont.truetype(str(FONT), size=round(height * 0.42))
    left, top, right, bottom = (round(v) for v in font.getbbox("Home Type"))
    gap = round(height * 0.12)
    logo = Image.new("RGBA", (height + gap + (right - left) + gap, height), (0, 0, 0, 0))
    logo.alpha_composite(_house(height))
    ImageDraw.Draw(logo).text((height + gap - left, (height - (bottom - top)) // 2 - top),
                              "Home Type", font=font, fill=text_colour)
    return logo


def draw_all(folder: Path = BRAND) -> list[Path]:
    """Writes every brand image into ``folder``; the icon reads on light and dark alike."""
    if not FONT.is_file():
        raise SystemExit(f"{FONT}: font missing (Debian: apt-get install fonts-dejavu-core)")
    images = {
        "icon.png": _house(256),
        "icon@2x.png": _house(512),
        "logo.png": _logo(128, TEXT_LIGHT),
        "logo@2x.png": _logo(256, TEXT_LIGHT),
        "dark_logo.png": _logo(128, TEXT_DARK),
        "dark_logo@2x.png": _logo(256, TEXT_DARK),
    }
    written = []
    for name, image in images.items():
        path = folder / name
        image.save(path, optimize=True)
        written.append(path)
    return written


if __name__ == "__main__":
    for path in draw_all():
        print(path.relative_to(BRAND.parents[2]))
