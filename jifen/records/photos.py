"""Evidence photos: turned upright, shrunk for weak networks, and stripped of all metadata.

Re-encoding the pixels alone drops EXIF, including GPS location, which phones write by default.
"""

from __future__ import annotations

from io import BytesIO

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_SIDE = 1600
MAX_PHOTOS = 3
MAX_BYTES = 12 * 1024 * 1024


def prepare_photo(upload: UploadedFile) -> tuple[ContentFile[bytes], int, int]:
    """A JPEG of at most 1600 px a side, without metadata, and its size."""
    if upload.size and upload.size > MAX_BYTES:
        raise ValidationError(_("A photo may be at most 12 MB."))
    try:
        with Image.open(upload) as original:
            original.load()
            image = ImageOps.exif_transpose(original) or original
            image = image.convert("RGB")
    except (UnidentifiedImageError, OSError) as error:
        raise ValidationError(_("This file is not a photo we can read.")) from error
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    buffer = BytesIO()
    image.save(buffer, format="JPEG", quality=82, optimize=True)
    return ContentFile(buffer.getvalue(), name="photo.jpg"), image.width, image.height
