from django.urls import path

from . import views

app_name = "billing"

urlpatterns = [
    path("", views.invoices, name="invoices"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/pdf/", views.pdf, name="pdf"),
    path("<int:pk>/csv/", views.csv_lines, name="csv"),
]
