"""One row per searchable page: its text folded (no accents, no case) for matching.

The same query runs on SQLite and PostgreSQL: both compare folded text, so « equipe » finds
« Équipe » everywhere without extensions (unaccent) or a separate search server.
"""

from django.db import models


class Document(models.Model):
    class Kind(models.TextChoices):
        PROJECT = "project"
        NEED = "need"
        PARTNER = "partner"
        MEMBER = "member"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    object_id = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=300, blank=True)
    url = models.CharField(max_length=300)
    folded_title = models.CharField(max_length=200)
    folded_text = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="one_document_per_object")
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.title}"
