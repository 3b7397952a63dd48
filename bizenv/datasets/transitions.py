"""Raw-record batch status machine: received → processing → committed | failed; a dry run ends in preview."""

from __future__ import annotations

from bizenv.core.transitions import transition_check
from bizenv.datasets.models import BatchStatus, RecordBatch

B = BatchStatus

# A dry run is never saved: it goes from received to preview and stops. A saved batch is processing
# until it is committed, or failed (its key released so the sender may retry). CANCELLED is not reached
# by any code today.
BATCH_TRANSITIONS: dict[BatchStatus, frozenset[BatchStatus]] = {
    B.RECEIVED: frozenset({B.PREVIEW, B.PROCESSING}),
    B.PROCESSING: frozenset({B.COMMITTED, B.FAILED}),
    B.PREVIEW: frozenset(),
    B.COMMITTED: frozenset(),
    B.FAILED: frozenset(),
    B.CANCELLED: frozenset(),
}


def batch_status_set(batch: RecordBatch, target: BatchStatus) -> None:
    """Move the batch (in memory) to `target`; INVALID_TRANSITION unless the table allows it."""
    what = f"批次 #{batch.pk}" if batch.pk else "该批次"
    transition_check(table=BATCH_TRANSITIONS, current=batch.status, target=target, what=what)
    batch.status = target
