"""Background delivery of queued mail (django-tasks; run by `manage.py run_worker`)."""

from django_tasks import task

from . import delivery


@task()
def deliver_mail(mail_id: int) -> bool:
    return delivery.deliver(mail_id)


@task()
def deliver_due_mail() -> int:
    return delivery.deliver_due()
