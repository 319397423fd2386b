from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from naccs.center import views as center_views

admin.site.site_header = "NACCSサポートシステム センター管理"
admin.site.site_title = "NACCSサポートシステム"
admin.site.index_title = "センター業務"

urlpatterns = [
    path("accounts/", include("naccs.accounts.urls")),
    path("applications/", include("naccs.applications.urls")),
    path("contract/", include("naccs.contract.urls")),
    path("billing/", include("naccs.billing.urls")),
    # 契約内容の確認 was here before it had an app of its own: bookmarks keep working.
    path(
        "terminals/contract/", RedirectView.as_view(pattern_name="contract:overview", permanent=True, query_string=True)
    ),
    path("pki/", include("naccs.pki.urls")),
    path(".well-known/est/", include("naccs.pki.est_urls")),
    path("center/dashboard/", center_views.dashboard, name="center_dashboard"),
    # The back office has no login of its own: Django admin's form would skip naccs.accounts.guard (its limits, the
    # lockout, the hashing cap). Every method is redirected, so a POST here checks no password (issue 24 #4).
    path("center/login/", RedirectView.as_view(pattern_name="accounts:login", query_string=True)),
    path("notices/expiry/", center_views.expiry_notices, name="expiry_notices"),
    path("center/", admin.site.urls),
    # Last: with no prefix of its own, every request would otherwise try the portal's patterns first.
    path("", include("naccs.portal.urls")),
]

handler500 = "naccs.portal.views.server_error"
