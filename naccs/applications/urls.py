from django.urls import path

from . import views

app_name = "applications"

urlpatterns = [
    path("", views.application_list, name="list"),
    path("<int:pk>/", views.application_detail, name="detail"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("reissue/", views.guidance, name="guidance"),
    path("reissue/<int:pk>/applicant/", views.applicant_step, name="applicant"),
    path("reissue/<int:pk>/terminals/", views.terminals_step, name="terminals"),
    path("reissue/<int:pk>/confirm/", views.confirm_step, name="confirm"),
    path("reissue/<int:pk>/done/", views.done, name="done"),
]
