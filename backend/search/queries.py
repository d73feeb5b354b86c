"""The search: every word of the query, folded, must appear; matches in titles rank first."""

from __future__ import annotations

from django.db.models import Case, Count, IntegerField, Value, When
from django.db.models.functions import Length

from backend.search.models import Document
from backend.search.text import fold

MAX_QUERY = 200
MAX_WORDS = 8


def words_of(query: str) -> list[str]:
    """The distinct folded words of a query (at most 8; single letters are ignored)."""
    words = fold(query[:MAX_QUERY]).split()
    return list(dict.fromkeys(w for w in words if len(w) > 1))[:MAX_WORDS]


def _matching(words: list[str]):
    documents = Document.objects.all()
    for word in words:
        documents = documents.filter(folded_text__contains=word)
    return documents


def _points(condition: dict, points: int) -> Case:
    return Case(
        When(**condition, then=Value(points)), default=Value(0), output_field=IntegerField()
    )


def search(query: str, *, kind: str | None = None):
    """Documents matching every word, best first: the whole title, a title starting with the
    query, titles holding the words, then shorter titles."""
    words = words_of(query)
    if not words:
        return Document.objects.none()
    documents = _matching(words)
    if kind:
        documents = documents.filter(kind=kind)
    phrase = " ".join(words)
    score = _points({"folded_title": phrase}, 100) + _points(
        {"folded_title__startswith": phrase}, 20
    )
    for word in words:
        score += _points({"folded_title__contains": word}, 10)
    return documents.annotate(score=score, title_length=Length("folded_title")).order_by(
        "-score", "title_length", "title"
    )


def counts(query: str) -> dict[str, int]:
    """How many documents of each kind match."""
    words = words_of(query)
    if not words:
        return {}
    rows = _matching(words).order_by().values("kind").annotate(n=Count("id"))
    return {row["kind"]: row["n"] for row in rows}
