from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.logout, name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("set-password/", views.SetPasswordStartView.as_view(), name="set_password_start"),
    # Links mailed before issue 24 #9 carried the token here; Django's view still swaps it for the session at once.
    path("set-password/<uidb64>/<token>/", views.SetPasswordView.as_view(), name="set_password"),
    path("set-password/done/", views.SetPasswordDoneView.as_view(), name="set_password_done"),
]
