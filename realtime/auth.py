"""Who is behind a socket or an op: the actor shown to others and the key of their ops."""

from __future__ import annotations


def actor_of(user) -> dict | None:
    """`{"id", "name"}` for a signed-in member, None for an anonymous reader."""
    if user is None or not user.is_authenticated:
        return None
    return {"id": user.pk, "name": user.public_name}


def client_key(user) -> str:
    """The key under which a person's op ids are unique (retries are applied once per key)."""
    if user is None or not user.is_authenticated:
        return ""
    return f"user:{user.pk}"
