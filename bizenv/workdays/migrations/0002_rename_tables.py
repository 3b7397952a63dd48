# The moved calendar tables take this app's names (a rename; the rows stay).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("workdays", "0001_initial"),
        ("datasets", "0004_calendar_moved_to_workdays"),
    ]

    operations = [
        migrations.AlterModelTable(name="calendaroverride", table=None),
        migrations.AlterModelTable(name="calendaryear", table=None),
    ]
