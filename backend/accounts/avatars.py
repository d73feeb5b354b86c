"""Uploaded images (avatars, project images): any image a phone produces goes in; a WebP of
the right size comes out.

The upload is decoded by Pillow (so a file that only pretends to be an image is refused),
limited in bytes and in pixels, cropped to a centred square, resized, and re-encoded: no
metadata (EXIF, GPS position) survives.
"""

from __future__ import annotations

import io
import secrets

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from realtime.errors import Invalid

MAX_BYTES = 2 * 1024 * 1024
MAX_PIXELS = 40_000_000
SIZE = 256


def process(upload, *, size: tuple[int, int] = (SIZE, SIZE)) -> ContentFile:
    """`upload` as a WebP of `size` (cropped to its proportions, centred)."""
    if upload.size > MAX_BYTES:
        raise Invalid(_("La photo est trop lourde (2 Mo au plus)."))
    try:
        with Image.open(upload) as image:
            if image.width * image.height > MAX_PIXELS:
                raise Invalid(_("La photo est trop grande."))
            image = ImageOps.exif_transpose(image)
            image = ImageOps.fit(image.convert("RGB"), size, Image.Resampling.LANCZOS)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise Invalid(_("Ce fichier n'est pas une image lisible (JPEG, PNG ou WebP).")) from None
    out = io.BytesIO()
    image.save(out, "WEBP", quality=85)
    return ContentFile(out.getvalue(), name=f"{secrets.token_hex(8)}.webp")
