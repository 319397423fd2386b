from django.db import migrations, models


def finish_unleased_jobs(apps, schema_editor):
    """Jobs enqueued without a lease (the close and the reminders before they had one; the prunes) are over or
    forgotten: none of them is to be resumed, nor shown late on the dashboard."""
    job = apps.get_model("jobs", "ScheduledJob")
    job.objects.filter(heartbeat_at__isnull=True, finished_at__isnull=True).update(finished_at=models.F("enqueued_at"))


class Migration(migrations.Migration):

    dependencies = [
        ('jobs', '0001_initial'),
    ]

    operations = [
        migrations.RunPython(finish_unleased_jobs, migrations.RunPython.noop),
    ]
