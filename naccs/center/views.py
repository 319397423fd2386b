"""The staff dashboard (申込 per status, the morning run's state (late, stuck…), the other long tasks late, stuck or
resumed, today's and tomorrow's run, recent
failures, the certificate fleet), and the company-side choice of receiving the expiry reminders that this app sends."""

from datetime import timedelta

from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.db.models import Count
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from naccs.accounts.decorators import contract_administrator_required
from naccs.applications.models import Application
from naccs.audit.models import AuditEvent
from naccs.billing.dashboard import overdue_block
from naccs.lib.business_days import today

from .fleet import fleet_context
from .long_tasks import long_task_health
from .models import ExpiryNoticeOptIn
from .morning_run import FAILED, run_health, run_status, run_time
from .reminders import schedule_text


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
        "run_health": run_health(),
        "long_task_health": long_task_health(),
        "failures": AuditEvent.objects.filter(action=FAILED).select_related("company")[:20],
        **fleet_context(),
        **overdue_block(),
    }
    return render(request, "center/dashboard.html", context)


@contract_administrator_required
@require_http_methods(["GET", "POST"])
def expiry_notices(request):
    """有効期限のお知らせメール: a company user asks for the expiry reminders (or stops them)."""
    opted_in = ExpiryNoticeOptIn.objects.filter(user=request.user)
    if request.method == "POST":
        if request.POST.get("receive") == "1":
            ExpiryNoticeOptIn.objects.get_or_create(user=request.user)
            messages.success(request, "有効期限のお知らせをメールで受け取る設定にしました。")
        else:
            opted_in.delete()
            messages.success(request, "有効期限のお知らせをメールで受け取らない設定にしました。")
        return redirect("expiry_notices")
    return render(request, "center/expiry_notices.html", {"receiving": opted_in.exists(), "schedule": schedule_text()})
