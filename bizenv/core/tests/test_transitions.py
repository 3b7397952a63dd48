import pytest
from django.db import models

from bizenv.core.errors import ApplicationError, ErrorCode
from bizenv.core.models import JobStatus
from bizenv.core.services import job_create, job_finish, job_start
from bizenv.core.transitions import transition_check


class Light(models.TextChoices):
    RED = "red", "红灯"
    GREEN = "green", "绿灯"


TABLE = {Light.RED: frozenset({Light.GREEN}), Light.GREEN: frozenset()}


def test_an_allowed_move_passes_and_accepts_stored_strings():
    transition_check(table=TABLE, current="red", target=Light.GREEN, what="信号灯")


def test_a_refused_move_says_both_statuses_in_chinese():
    with pytest.raises(ApplicationError) as caught:
        transition_check(table=TABLE, current=Light.GREEN, target="red", what="信号灯")
    assert caught.value.message == "信号灯当前为“绿灯”，不能变为“红灯”。"
    assert caught.value.code == ErrorCode.INVALID_TRANSITION


def test_a_refused_move_may_say_what_cannot_be_done():
    with pytest.raises(ApplicationError, match="^信号灯当前为“绿灯”，不能再变。$"):
        transition_check(table=TABLE, current=Light.GREEN, target=Light.RED, what="信号灯", refused="不能再变")


@pytest.mark.django_db
def test_a_finished_job_is_not_finished_again():
    job = job_create(actor=None, kind="demo", title="演示")
    assert job_start(job_id=job.pk).status == JobStatus.RUNNING
    assert job_finish(job_id=job.pk, result={"n": 1}).status == JobStatus.SUCCEEDED
    assert job_start(job_id=job.pk) is None
    with pytest.raises(ApplicationError, match="已完成"):
        job_finish(job_id=job.pk, error="迟到的失败")
