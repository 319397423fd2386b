"""Retire what is cached about a company's terminals when one of them changes (see company_version_key)."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from naccs.lib.versions import company_version_key, retire

from .models import LogicalTerminal


@receiver([post_save, post_delete], sender=LogicalTerminal)
def retire_cached_terminals(sender, instance, **kwargs):
    retire(company_version_key(instance.company_id))
