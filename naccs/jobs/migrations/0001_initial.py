from django.db import migrations, models


class Migration(migrations.Migration):
    """ScheduledJob as it was in center (0001, 0003), taken over in the state only: the table and its rows exist
    already (renamed to jobs_scheduledjob by center 0006)."""

    initial = True

    dependencies = [
        ('center', '0006_move_scheduledjob_to_jobs'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='ScheduledJob',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=64, verbose_name='ジョブ')),
                        ('run_date', models.DateField(verbose_name='実行日')),
                        ('enqueued_at', models.DateTimeField(auto_now_add=True, verbose_name='登録日時')),
                        ('task_result_id', models.CharField(blank=True, max_length=64, verbose_name='タスクID')),
                        ('started_at', models.DateTimeField(blank=True, null=True, verbose_name='開始日時')),
                        ('heartbeat_at', models.DateTimeField(blank=True, null=True, verbose_name='最終応答日時')),
                        ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='終了日時')),
                        ('resumed', models.PositiveIntegerField(default=0, verbose_name='自動再開の回数')),
                    ],
                    options={
                        'verbose_name': '定期ジョブ',
                        'verbose_name_plural': '定期ジョブ',
                        'constraints': [models.UniqueConstraint(fields=('name', 'run_date'), name='unique_job_per_day')],
                    },
                ),
            ],
        ),
    ]
