from django.urls import path, register_converter

from . import views
from .broker_ids import views as broker_ids_views
from .contract_change import views as contract_change_views
from .models import Application
from .reissue import views as reissue_views
from .system_settings import views as system_settings_views


class KindConverter:
    """A kind of 申込 in a URL: /applications/reissue/12/applicant/."""

    regex = "|".join(Application.Kind.values)

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(KindConverter, "kind")
app_name = "applications"

urlpatterns = [
    path("", views.application_list, name="list"),
    path("<int:pk>/", views.application_detail, name="detail"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<kind:kind>/<int:pk>/applicant/", views.applicant_step, name="applicant"),
    path("<kind:kind>/<int:pk>/confirm/", views.confirm_step, name="confirm"),
    path("<kind:kind>/<int:pk>/done/", views.done, name="done"),
    # デジタル証明書の再発行
    path("reissue/", reissue_views.guidance, name="reissue_guidance"),
    path("reissue/<int:pk>/terminals/", reissue_views.terminals_step, name="reissue_terminals"),
    # 通関士IDの追加
    path("broker_ids/", broker_ids_views.guidance, name="broker_ids_guidance"),
    path("broker_ids/<int:pk>/brokers/", broker_ids_views.brokers_step, name="broker_ids_brokers"),
    # 契約内容の変更
    path("contract_change/", contract_change_views.guidance, name="contract_change_guidance"),
    path("contract_change/<int:pk>/details/", contract_change_views.details_step, name="contract_change_details"),
    path("contract_change/<int:pk>/items/", contract_change_views.items_step, name="contract_change_items"),
    # システム設定の申込
    path("system_settings/", system_settings_views.guidance, name="system_settings_guidance"),
    path("system_settings/<int:pk>/details/", system_settings_views.details_step, name="system_settings_details"),
    path("system_settings/<int:pk>/terminals/", system_settings_views.terminals_step, name="system_settings_terminals"),
]
