from django.urls import path, register_converter

from . import views
from .broker_ids import views as broker_ids_views
from .models import Application
from .reissue import views as reissue_views


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
]
