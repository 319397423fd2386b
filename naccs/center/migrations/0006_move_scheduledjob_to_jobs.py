from django.db import migrations


class Migration(migrations.Migration):
    """ScheduledJob moves to the jobs app (below billing, so that the monthly close can hold a lease). Its rows, the
    morning runs' history included, stay: the table is only renamed (jobs 0001 takes the model over in the state)."""

    dependencies = [
        ('center', '0005_staff_roles'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.AlterModelTable(name='scheduledjob', table='jobs_scheduledjob')],
            state_operations=[migrations.DeleteModel(name='ScheduledJob')],
        ),
    ]
