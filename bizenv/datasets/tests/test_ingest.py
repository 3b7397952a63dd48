from bizenv.datasets import services
from bizenv.datasets.catalog import DATASETS
from bizenv.datasets.lake import lake_read
from bizenv.datasets.tests.recordkit import registration


def test_smoke(town):
    batch = services.records_ingest(actor=town.users["office"], dataset="business_registrations",
                                    rows_or_table=[registration("A1"), registration("A2", cost=-1)])
    assert batch.status == "committed", batch.message
    assert (batch.rows_accepted, batch.rows_quarantined) == (1, 1)
    assert lake_read(dataset=DATASETS["business_registrations"]).num_rows == 1
    again = services.records_ingest(actor=None, dataset="business_registrations",
                                    rows_or_table=[registration("A1"), registration("A3")])
    assert (again.rows_accepted, again.rows_duplicate) == (1, 1)
