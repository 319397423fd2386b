"""Retire what is cached about a company's terminals when one of them changes (see terminals_version_key)."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from naccs.lib.versions import retire

from .models import LogicalTerminal
from .selectors import terminals_version_key


@receiver([post_save, post_delete], sender=LogicalTerminal)
def retire_cached_terminals(sender, instance, **kwargs):
    retire(terminals_version_key(instance.company_id))
