# The calendar models moved to the workdays app (decision 0007): removed from this app's state only; the
# tables stay and workdays takes them over.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("datasets", "0003_step_statistic_segment"),
        ("workdays", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="CalendarOverride"),
                migrations.DeleteModel(name="CalendarYear"),
            ],
            database_operations=[],
        ),
    ]
