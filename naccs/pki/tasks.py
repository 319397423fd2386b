"""Background PKI work."""

from django_tasks import task

from . import services


@task()
def rebuild_crl_task() -> int:
    return services.rebuild_crl().number
