"""Login, logout, lockout, password change and the first password of a new 通関士."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django.views.generic import FormView

from . import guard
from .forms import LoginForm, PortalPasswordChangeForm, PortalSetPasswordForm, SetPasswordCodeForm


class RefusedStatusMixin:
    """A form refused by naccs.accounts.guard answers with its status (429 too many failures, 503 busy)."""

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.refused_status:
            response.status_code = form.refused_status
        return response


class LoginView(RefusedStatusMixin, auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        guard.remember_device(response, form.get_user())
        return response


@require_POST
@never_cache
@csrf_exempt
def logout(request):
    """ログアウト, from the button in every page's header.

    Without a CSRF token, so that pages with no form of their own neither mask a token nor set its cookie (a tenth of
    the home page's cost). A forged logout cannot happen: the session cookie is SameSite=Lax, so a POST from another
    site arrives without it, and logging out only ever ends the caller's own session (docs/security.md)."""
    auth_logout(request)
    messages.info(request, "ログアウトしました。")
    return redirect(settings.LOGOUT_REDIRECT_URL)


class PasswordChangeView(RefusedStatusMixin, auth_views.PasswordChangeView):
    # Django's view keeps the session alive after the change (update_session_auth_hash).
    template_name = "accounts/password_change.html"
    form_class = PortalPasswordChangeForm
    success_url = reverse_lazy("accounts:password_change_done")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """A new 通関士 sets a first password through the link they were mailed: Django's password-reset view and token
    (valid PASSWORD_RESET_TIMEOUT, spent once a password is set). A deactivated login's link opens nothing."""

    template_name = "accounts/set_password.html"
    form_class = PortalSetPasswordForm
    success_url = reverse_lazy("accounts:set_password_done")

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None


class SetPasswordStartView(FormView):
    """Where a mailed set-password link lands (issue 24 #9). The token travels after "#", which browsers never
    send, so no access log (nginx, gunicorn, a load balancer) ever holds it; the page's script posts it (and drops
    it from the address bar). It then waits in the session, where Django's PasswordResetConfirmView keeps a token
    it was given in its URL, and the form is served under a token-free URL."""

    template_name = "accounts/set_password_start.html"
    form_class = SetPasswordCodeForm

    def form_valid(self, form):
        uidb64, token = form.cleaned_data["code"]
        self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN] = token
        return redirect("accounts:set_password", uidb64=uidb64, token=SetPasswordView.reset_url_token)


class SetPasswordDoneView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/set_password_done.html"


def locked_out(request, response=None, credentials=None):
    """django-axes calls this after too many wrong passwords for one 利用者ID from one client address."""
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "lockout_minutes": int(settings.AXES_COOLOFF_TIME * 60),
        "form": LoginForm(request),
    }
    return render(request, "accounts/locked_out.html", context, status=429)
