"""The staff dashboard: 申込 per status, today's and tomorrow's run, recent failures."""

from datetime import timedelta

from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.db.models import Count
from django.shortcuts import render

from naccs.applications.models import Application
from naccs.audit.models import AuditEvent
from naccs.billing.dashboard import overdue_block
from naccs.lib.business_days import today

from .morning_run import FAILED, run_status, run_time


@staff_member_required(login_url="admin:login")
def dashboard(request):
    counts = dict(Application.objects.values_list("status").annotate(n=Count("pk")).order_by())
    day = today()
    context = {
        **admin.site.each_context(request),
        "title": "センター業務ダッシュボード",
        "status_counts": [(label, counts.get(value, 0)) for value, label in Application.Status.choices],
        "runs": [("本日", run_status(day)), ("翌日", run_status(day + timedelta(days=1)))],
        "run_time": run_time(),
        "failures": AuditEvent.objects.filter(action=FAILED).select_related("company")[:20],
        **overdue_block(),
    }
    return render(request, "center/dashboard.html", context)
