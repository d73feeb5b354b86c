"""Unique, readable slugs for the pages of the territory (« repair-cafe », « repair-cafe-2 »)."""

from __future__ import annotations

from django.db import models
from django.utils.text import slugify


def unique_slug(model: type[models.Model], text: str, *, max_length: int = 50) -> str:
    base = slugify(text)[: max_length - 4].strip("-") or "page"
    taken = set(model._default_manager.filter(slug__startswith=base).values_list("slug", flat=True))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"
