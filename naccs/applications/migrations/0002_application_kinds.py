import django.db.models.deletion
from django.db import migrations, models


def move_reasons_to_reissue(apps, schema_editor):
    """Every 申込 so far is a reissue: its reason moves to the Reissue row of its own."""
    Application = apps.get_model("applications", "Application")
    Reissue = apps.get_model("applications", "Reissue")
    rows = Application.objects.values_list("pk", "reason", "reason_text").iterator(chunk_size=2000)
    batch = []
    for pk, reason, reason_text in rows:
        batch.append(Reissue(application_id=pk, reason=reason, reason_text=reason_text))
        if len(batch) == 2000:
            Reissue.objects.bulk_create(batch)
            batch = []
    Reissue.objects.bulk_create(batch)


def move_reasons_back(apps, schema_editor):
    Application = apps.get_model("applications", "Application")
    for reissue in apps.get_model("applications", "Reissue").objects.iterator(chunk_size=2000):
        Application.objects.filter(pk=reissue.application_id).update(
            reason=reissue.reason, reason_text=reissue.reason_text
        )


class Migration(migrations.Migration):
    """One Application model for every kind of 申込 (the reissue one was ReissueApplication); a reissue's reason in
    Reissue, its terminals in ReissueLine."""

    dependencies = [
        ("accounts", "0001_initial"),
        ("applications", "0001_initial"),
        ("terminals", "0003_company_name_index"),
        ("pki", "0001_initial"),
    ]

    operations = [
        migrations.RenameModel("ReissueApplication", "Application"),
        migrations.RenameModel("ReissueApplicationTerminal", "ReissueLine"),
        migrations.CreateModel(
            name="Reissue",
            fields=[
                (
                    "application",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="reissue",
                        serialize=False,
                        to="applications.application",
                        verbose_name="申込",
                    ),
                ),
                (
                    "reason",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("expired", "有効期限切れ"),
                            ("replaced", "端末の入れ替え"),
                            ("other", "その他の理由"),
                        ],
                        max_length=16,
                        verbose_name="再発行理由",
                    ),
                ),
                ("reason_text", models.CharField(blank=True, max_length=100, verbose_name="その他の理由")),
            ],
            options={
                "verbose_name": "再発行の内容",
                "verbose_name_plural": "再発行の内容",
            },
        ),
        migrations.AlterModelOptions(
            name="application",
            options={"ordering": ["-submitted_at", "-id"], "verbose_name": "申込", "verbose_name_plural": "申込"},
        ),
        migrations.AlterModelOptions(
            name="reissueline",
            options={
                "ordering": ["terminal__name"],
                "verbose_name": "再発行する論理端末",
                "verbose_name_plural": "再発行する論理端末",
            },
        ),
        migrations.RunPython(move_reasons_to_reissue, move_reasons_back),
        migrations.RemoveField(
            model_name="application",
            name="reason",
        ),
        migrations.RemoveField(
            model_name="application",
            name="reason_text",
        ),
        migrations.AddField(
            model_name="application",
            name="kind",
            field=models.CharField(
                choices=[("reissue", "デジタル証明書の再発行")],
                default="reissue",
                max_length=16,
                verbose_name="申込種別",
            ),
        ),
        migrations.AlterField(
            model_name="application",
            name="company",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="applications",
                to="accounts.company",
                verbose_name="利用者",
            ),
        ),
        migrations.AlterField(
            model_name="application",
            name="completed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="完了日時"),
        ),
        migrations.AlterField(
            model_name="application",
            name="desired_date",
            field=models.DateField(blank=True, db_index=True, null=True, verbose_name="希望日"),
        ),
        migrations.AlterField(
            model_name="application",
            name="status",
            field=models.CharField(
                choices=[
                    ("draft", "入力中"),
                    ("submitted", "受付済"),
                    ("needs_info", "確認事項あり"),
                    ("approved", "審査終了"),
                    ("completed", "完了"),
                    ("withdrawn", "取下げ"),
                    ("rejected", "却下"),
                ],
                db_index=True,
                default="draft",
                max_length=16,
                verbose_name="状態",
            ),
        ),
        migrations.AlterField(
            model_name="reissueline",
            name="application",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="reissue_lines",
                to="applications.application",
                verbose_name="申込",
            ),
        ),
        migrations.AlterField(
            model_name="reissueline",
            name="terminal",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="reissue_lines",
                to="terminals.logicalterminal",
                verbose_name="論理端末",
            ),
        ),
    ]
