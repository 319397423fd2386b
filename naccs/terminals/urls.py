from django.urls import path

from . import views

app_name = "terminals"

urlpatterns = [
    path("contract/", views.contract, name="contract"),
]
