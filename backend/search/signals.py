"""Every save or delete of a searchable row updates its document (after the transaction)."""

from __future__ import annotations

from functools import partial

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

IGNORED_FIELDS = {"last_login"}


def _indexers():
    from backend.needs.models import Need
    from backend.partners.models import Offer, Partner
    from backend.projects.models import Project
    from backend.search import indexing
    from backend.search.models import Document

    return {
        Project: (Document.Kind.PROJECT, indexing.index_project),
        Need: (Document.Kind.NEED, indexing.index_need),
        Partner: (Document.Kind.PARTNER, indexing.index_partner),
        get_user_model(): (Document.Kind.MEMBER, indexing.index_member),
    }, Offer


def _reindex(index, instance) -> None:
    # Read the row again after commit: the document shows what was committed, m2m included.
    fresh = type(instance)._default_manager.filter(pk=instance.pk).first()
    if fresh is not None:
        index(fresh)


def connect() -> None:
    indexers, Offer = _indexers()
    from backend.search import indexing

    for model, (kind, index) in indexers.items():

        def saved(sender, instance, index=index, update_fields=None, **kwargs):
            if update_fields and set(update_fields) <= IGNORED_FIELDS:
                return  # a sign-in stamps last_login: nothing searchable changed
            transaction.on_commit(partial(_reindex, index, instance))

        def deleted(sender, instance, kind=kind, **kwargs):
            indexing.forget(kind, instance.pk)

        post_save.connect(saved, sender=model, weak=False, dispatch_uid=f"search-save-{kind}")
        post_delete.connect(deleted, sender=model, weak=False, dispatch_uid=f"search-del-{kind}")
        themes = getattr(model, "themes", None)
        if themes is not None:
            field = themes.field

            def themes_changed(
                sender, instance, action, reverse, model, pk_set, index=index, field=field, **kw
            ):
                if not reverse:
                    if action in {"post_add", "post_remove", "post_clear"}:
                        transaction.on_commit(partial(_reindex, index, instance))
                    return
                # From the theme's side (`theme.projects.add(…)`): the rows are in pk_set, or,
                # for a clear, those linked just before it.
                if action == "pre_clear":
                    linked = sender.objects.filter(**{field.m2m_reverse_field_name(): instance.pk})
                    pk_set = set(linked.values_list(field.m2m_field_name(), flat=True))
                elif action not in {"post_add", "post_remove"}:
                    return
                for row in model._default_manager.filter(pk__in=pk_set or ()):
                    transaction.on_commit(partial(_reindex, index, row))

            m2m_changed.connect(
                themes_changed,
                sender=themes.through,
                weak=False,
                dispatch_uid=f"search-themes-{kind}",
            )

    def offer_changed(sender, instance, **kwargs):
        transaction.on_commit(partial(_reindex, indexing.index_partner, instance.partner))

    post_save.connect(offer_changed, sender=Offer, weak=False, dispatch_uid="search-offer")
    post_delete.connect(offer_changed, sender=Offer, weak=False, dispatch_uid="search-offer-del")
