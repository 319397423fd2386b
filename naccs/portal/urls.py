from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("news/<int:pk>/", views.news_detail, name="news_detail"),
    path("apply/", views.apply_menu, name="apply"),
    path("favicon.ico", views.favicon, name="favicon"),
]
