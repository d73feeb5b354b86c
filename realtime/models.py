import secrets

from django.db import models


def new_epoch() -> str:
    return secrets.token_hex(4)


class Stream(models.Model):
    """An ordered log of events about one thing (`board:42`, `chat:7`, `user:15`, ...)."""

    key = models.CharField(max_length=64, unique=True)
    seq = models.BigIntegerField(default=0)
    # Changes only when the history is cut: a client holding another epoch gets a snapshot.
    epoch = models.CharField(max_length=16, default=new_epoch)

    def __str__(self) -> str:
        return f"{self.key}@{self.seq}"


class Event(models.Model):
    """One persisted change, numbered by its stream's seq (1, 2, 3, … with no holes)."""

    stream = models.ForeignKey(Stream, on_delete=models.CASCADE, related_name="events")
    seq = models.BigIntegerField()
    name = models.CharField(max_length=64)
    data = models.JSONField()
    actor = models.JSONField(null=True)  # {"id", "name"} as it was when the change was made
    # Who sent the op and its client-chosen id: a retry with the same id is applied once.
    client = models.CharField(max_length=64, blank=True)
    op_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField()
    # A restricted event (a hidden card, say) is sent whole only to the person it belongs to
    # (`private_to`) and to the readers who see everything; every other reader gets the same
    # seq with `redacted` as its data, under the name "redacted".
    private_to = models.BigIntegerField(null=True, blank=True)
    redacted = models.JSONField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["stream", "seq"], name="one_event_per_seq"),
            models.UniqueConstraint(
                fields=["stream", "client", "op_id"],
                condition=~models.Q(op_id=""),
                name="one_event_per_op",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stream_id}#{self.seq} {self.name}"
