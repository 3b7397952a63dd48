"""Backfill: where one system and period has several published 红黑榜, the latest published stays current and the
earlier ones become superseded by it (what publishing does from 0002 on)."""

from django.db import migrations


def supersede_duplicates(apps, schema_editor):
    RedBlackList = apps.get_model("evaluation", "RedBlackList")
    current: dict[tuple[int, str], object] = {}
    for release in RedBlackList.objects.filter(status="published").order_by("-published_at", "-id"):
        key = (release.system_id, release.period)
        if key not in current:
            current[key] = release
            continue
        release.status, release.superseded_by = "superseded", current[key]
        release.save(update_fields=["status", "superseded_by"])


class Migration(migrations.Migration):

    dependencies = [
        ("evaluation", "0002_release_superseded"),
    ]

    operations = [
        migrations.RunPython(supersede_duplicates, migrations.RunPython.noop),
    ]
