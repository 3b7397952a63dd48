import pytest

from bizenv.core.errors import ApplicationError


def test_a_raw_record_batch_moves_only_forward():
    from bizenv.datasets.models import BatchStatus, RecordBatch
    from bizenv.datasets.transitions import batch_status_set

    batch = RecordBatch(dataset="x")
    batch_status_set(batch, BatchStatus.PROCESSING)
    batch_status_set(batch, BatchStatus.COMMITTED)
    with pytest.raises(ApplicationError, match="不能变为“失败”"):
        batch_status_set(batch, BatchStatus.FAILED)
    assert batch.status == BatchStatus.COMMITTED
