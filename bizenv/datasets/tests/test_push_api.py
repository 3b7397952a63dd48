import json

from django.test import Client

from bizenv.datasets.models import RecordBatch
from bizenv.datasets.tests.recordkit import push_source, registration

URL = "/api/v1/datasets/push/business_registrations"


def push(client, records, *, token=None, key="", dataset_url=URL):
    headers = {}
    if token is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    if key:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post(dataset_url, data=json.dumps({"records": records}), content_type="application/json",
                       **headers)


def test_push_lands_records_and_reports_counts(town):
    _, token = push_source()
    client = Client(enforce_csrf_checks=True)

    response = push(client, [registration("A1"), registration("A2", cost=-1), registration("A1")], token=token,
                     key="2024-03-batch-1")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "committed" and not body["replayed"]
    assert (body["rows_total"], body["rows_accepted"], body["rows_duplicate"], body["rows_quarantined"]) == (3, 1, 1, 1)
    assert body["problems"] == [{"row_number": 2, "field": "cost", "message": "费用（元）不能为负数，收到 -1"}]


def test_same_idempotency_key_twice_returns_the_same_batch(town):
    _, token = push_source()
    client = Client()
    first = push(client, [registration("A1")], token=token, key="k1").json()

    second = push(client, [registration("A1")], token=token, key="k1")

    assert second.status_code == 200 and second.json()["id"] == first["id"] and second.json()["replayed"]
    assert RecordBatch.objects.count() == 1
    conflict = push(client, [registration("A9")], token=token, key="k1")
    assert conflict.status_code == 409 and "内容不同" in conflict.json()["detail"]


def test_a_replay_returns_the_original_answer_with_its_problems(town):
    _, token = push_source()
    client = Client()
    records = [registration("A1"), registration("A2", cost=-1), registration("A3", region="000000"),
               registration("A4", cost=-5, applied="2024-03-09 09:00:00", completed="2024-03-01 09:00:00"),
               registration("A1")]
    first = push(client, records, token=token, key="k-problems").json()
    assert len(first["problems"]) == 4 and first["rows_quarantined"] == 3

    again = push(client, records, token=token, key="k-problems").json()

    assert again["replayed"] and not first["replayed"]
    assert {k: v for k, v in again.items() if k != "replayed"} == {k: v for k, v in first.items() if k != "replayed"}


def test_wrong_or_missing_token_is_401_and_saves_nothing(town):
    push_source()
    client = Client()

    assert push(client, [registration("A1")]).status_code == 401
    assert push(client, [registration("A1")], token="bzs_not-a-real-token").status_code == 401
    assert not RecordBatch.objects.exists()


def test_a_rotated_token_stops_working(town):
    from bizenv.datasets import services

    source, old = push_source()
    services.source_token_issue(actor=None, source=source)

    assert push(Client(), [registration("A1")], token=old).status_code == 401


def test_session_login_does_not_authorise_a_push(town):
    assert push(town.client("office"), [registration("A1")]).status_code == 401


def test_dataset_not_allowed_for_the_source_is_403(town):
    _, token = push_source(datasets=("service_cases",))

    response = push(Client(), [registration("A1")], token=token)

    assert response.status_code == 403 and "未被授权" in response.json()["detail"]


def test_unknown_dataset_is_404(town):
    _, token = push_source()

    assert push(Client(), [], token=token, dataset_url="/api/v1/datasets/push/nope").status_code == 404


def test_batch_status_by_token_only_for_own_batches_and_by_session(town):
    _, token = push_source()
    _, other = push_source(code="other")
    batch_id = push(Client(), [registration("A1")], token=token).json()["id"]
    url = f"/api/v1/datasets/batches/{batch_id}"

    own = Client().get(url, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert own.status_code == 200 and own.json()["rows_accepted"] == 1
    assert Client().get(url, HTTP_AUTHORIZATION=f"Bearer {other}").status_code == 404
    assert Client().get(url).status_code == 401
    assert town.client("office").get(url).json()["id"] == batch_id
    assert town.client("sysadmin").get(url).status_code == 403


def test_a_token_stops_working_when_the_source_is_no_longer_a_push_source(town):
    from bizenv.datasets import services

    source, token = push_source()
    services.source_system_update(actor=None, source=source, name=source.name, kind="http_pull",
                                  datasets=list(source.datasets), config={"url": "https://127.0.0.1:9/api"})

    assert push(Client(), [registration("A1")], token=token).status_code == 401
    assert not RecordBatch.objects.exists()
