from django.urls import path

from . import views

app_name = "pki"

urlpatterns = [
    path("ca", views.ca_certificate, name="ca"),
    path("ca.pem", views.ca_certificate, {"pem": True}, name="ca_pem"),
    path("ca/g<int:number>", views.generation_certificate, name="ca_generation"),
    path("crl", views.crl, name="crl"),
    path("crl.pem", views.crl, name="crl_pem"),
    path("crl/g<int:number>", views.crl, name="crl_generation"),
    path("crl/g<int:number>.pem", views.crl, name="crl_generation_pem"),
    path("ocsp", views.ocsp_responder, name="ocsp"),
    path("ocsp/<path:encoded>", views.ocsp_responder, name="ocsp_get"),
    path("acquire/", views.acquire, name="acquire"),
    path("acquire/done/<str:token>/", views.acquired_again, name="acquired"),
]
