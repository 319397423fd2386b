"""Permanent records: rows that no code path deletes, neither `Model.delete()` nor `QuerySet.delete()`.

A model opts in with `PermanentRecord` as its base and a manager built from `PermanentQuerySet` (or a subclass
that also limits `update()`); the back office's `has_delete_permission` says the same for people. Raw SQL and the
database's own tools are outside what a model can guard (docs/security.md).
"""

from django.db import models


class PermanentRecordError(Exception):
    """Code tried to delete a permanent record, or to change what it must keep."""


def refuse_deletion(model) -> None:
    raise PermanentRecordError(f"{model._meta.verbose_name}は削除できません。")


class PermanentQuerySet(models.QuerySet):
    def delete(self):
        refuse_deletion(self.model)


class PermanentRecord(models.Model):
    class Meta:
        abstract = True

    def delete(self, *args, **kwargs):
        refuse_deletion(type(self))
