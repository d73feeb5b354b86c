from django.core.paginator import Paginator
from django.shortcuts import render

from backend.search import queries
from backend.search.models import Document

KINDS = {
    "projets": Document.Kind.PROJECT,
    "besoins": Document.Kind.NEED,
    "partenaires": Document.Kind.PARTNER,
    "membres": Document.Kind.MEMBER,
}
PER_PAGE = 20


def search(request):
    query = request.GET.get("q", "")[: queries.MAX_QUERY].strip()
    kind_name = request.GET.get("type", "")
    kind = KINDS.get(kind_name)
    results = queries.search(query, kind=kind)
    page = Paginator(results, PER_PAGE).get_page(request.GET.get("page"))
    by_kind = queries.counts(query)
    tabs = [(name, value, by_kind.get(value, 0)) for name, value in KINDS.items()]
    context = {
        "query": query,
        "page": page,
        "kind": kind_name if kind else "",
        "tabs": tabs,
        "total": sum(by_kind.values()),
        "words": queries.words_of(query),
    }
    return render(request, "search/results.html", context)
