"""Retire what is cached about a 申込 (the 確認画面's data) when it changes.

Its lines have no receiver: they change only in services.save_terminals, which saves their 申込 in the same
transaction, and a receiver here would make Django load every line it deletes to send the signal."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from naccs.lib.versions import company_version_key, retire

from .models import ReissueApplication


@receiver([post_save, post_delete], sender=ReissueApplication)
def retire_cached_application(sender, instance, **kwargs):
    retire(company_version_key(instance.company_id))
