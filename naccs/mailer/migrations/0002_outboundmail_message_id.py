from django.db import migrations, models

from naccs.mailer.services import new_message_id


def give_each_mail_a_message_id(apps, schema_editor):
    """Mail queued before this migration gets its fixed Message-ID now, before its next attempt."""
    OutboundMail = apps.get_model("mailer", "OutboundMail")
    for mail in OutboundMail.objects.filter(message_id__isnull=True).only("pk"):
        OutboundMail.objects.filter(pk=mail.pk).update(message_id=new_message_id())


class Migration(migrations.Migration):
    dependencies = [
        ("mailer", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="outboundmail",
            name="message_id",
            field=models.CharField(editable=False, max_length=255, null=True, verbose_name="Message-ID"),
        ),
        migrations.RunPython(give_each_mail_a_message_id, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="outboundmail",
            name="message_id",
            field=models.CharField(editable=False, max_length=255, unique=True, verbose_name="Message-ID"),
        ),
    ]
