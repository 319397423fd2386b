from django.urls import path

from . import views

app_name = "contract"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("acquire/<slug:name>/", views.acquire, name="acquire"),
    path("users/<int:pk>/set-password-link/", views.resend_set_password_link, name="resend_set_password_link"),
]
