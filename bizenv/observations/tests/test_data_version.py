"""Every write of observations, whichever path makes it, changes the observations' data version (the stamp
that the score-cube cache is keyed by); reads change nothing."""

from __future__ import annotations

import pytest

from bizenv.core.data_versions import data_version
from bizenv.observations import services
from bizenv.observations.models import Observation, ObservationSource, ObservationStatus
from bizenv.observations.tests.test_imports import fill


@pytest.fixture
def obs(version, ind, counties):
    return Observation.objects.create(system_version=version, indicator=ind["starting.time"], region=counties[0],
                                      period="2026-03", value=4.0, source=ObservationSource.REPORT)


def _new(version, ind, counties, period="2026-04"):
    return Observation(system_version=version, indicator=ind["starting.time"], region=counties[1], period=period,
                       value=5.0, source=ObservationSource.REPORT)


ORM_WRITES = {
    "save": lambda o, v, i, c: (setattr(o, "value", 3.0), o.save()),
    "save(update_fields)": lambda o, v, i, c: (setattr(o, "value", 3.0), o.save(update_fields=["value"])),
    "objects.create": lambda o, v, i, c: Observation.objects.create(**{
        f: getattr(_new(v, i, c), f) for f in ("system_version", "indicator", "region", "period", "value", "source")}),
    "bulk_create": lambda o, v, i, c: Observation.objects.bulk_create([_new(v, i, c)]),
    "bulk_update": lambda o, v, i, c: (setattr(o, "value", 3.0), Observation.objects.bulk_update([o], ["value"])),
    "queryset.update": lambda o, v, i, c: Observation.objects.filter(pk=o.pk).update(value=3.0),
    "related manager update": lambda o, v, i, c: v.observations.filter(pk=o.pk).update(value=3.0),
    "update_or_create": lambda o, v, i, c: Observation.objects.update_or_create(
        system_version=v, indicator=o.indicator, region=o.region, period=o.period, defaults={"value": 3.0}),
    "queryset.delete": lambda o, v, i, c: Observation.objects.filter(pk=o.pk).delete(),
    "instance.delete": lambda o, v, i, c: o.delete(),
}


@pytest.mark.parametrize("write", list(ORM_WRITES))
def test_every_orm_write_changes_the_stamp(write, obs, version, ind, counties):
    before = data_version()
    ORM_WRITES[write](obs, version, ind, counties)
    assert data_version() != before


def test_reads_leave_the_stamp_alone(obs, version):
    before = data_version()
    list(Observation.objects.filter(system_version=version))
    Observation.objects.filter(system_version=version).count()
    assert data_version() == before


def test_service_writes_change_the_stamp(version, ind, counties, samr, office):
    stamps = [data_version()]

    def changed():
        stamps.append(data_version())
        return stamps[-1] != stamps[-2]

    obs, _ = services.observation_upsert(actor=samr, system_version=version, indicator=ind["starting.time"],
                                         region=counties[0], period="2026-03", value=4.0,
                                         source=ObservationSource.REPORT)
    assert changed()
    obs = services.observation_submit(actor=samr, observation=obs)
    assert changed()
    obs = services.observation_approve(actor=office, observation=obs)
    assert changed() and obs.status == ObservationStatus.APPROVED
    services.observation_upsert_from_metric(run=None, definition=None, system_version=version,
                                            indicator=ind["power.time"], region=counties[0], period="2026-03",
                                            value=3.25, record_count=10)
    assert changed()
    services.observations_write_from_metric(run=None, system_version=version, values=[
        services.MetricValue(definition=None, indicator=ind["power.time"], region=counties[1], period="2026-03",
                             value=2.5, record_count=8)])
    assert changed()


def test_an_import_commit_changes_the_stamp(version, counties, samr, office):
    rnd = services.reporting_round_open(actor=office, system_version=version, period="2026-09")
    filled = fill(services_template(samr, rnd), {("starting.time", "990101"): 3.5})
    batch = services.observation_import_preview(actor=samr, filename="填报.xlsx", content=filled, reporting_round=rnd)
    before = data_version()
    services.observation_import_commit(actor=samr, batch=batch)
    assert data_version() != before


def services_template(user, rnd) -> bytes:
    from bizenv.observations import selectors

    return selectors.round_template(user=user, reporting_round=rnd)


def test_flagging_outliers_changes_the_stamp(version, ind, counties, office):
    Observation.objects.bulk_create([
        Observation(system_version=version, indicator=ind["starting.time"], region=counties[0], period=f"2026-{m:02d}",
                    value=5.0 + (40.0 if m == 9 else m % 2 * 0.1), source=ObservationSource.REPORT,
                    status=ObservationStatus.APPROVED) for m in range(1, 10)])
    before = data_version()
    services.observation_flag_outliers(actor=office, system_version=version, period="2026-09")
    assert data_version() != before
