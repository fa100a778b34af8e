"""Local accounts change their own password and reset a forgotten one by e-mail (Django's views, our rules).

The reset page answers the same whether or not the address belongs to anyone, and sends nothing to an account
that cannot sign in with a password (an SSO account, or a non-superuser while `LOCAL_PASSWORD_LOGIN=superusers`).
The e-mail goes through the outbox (core.services.outbound_email_queue) like every other e-mail, and its link is
built on `SITE_URL`, never on the Host header a request brought.
"""

from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.urls import reverse_lazy

from core.proxies import client_key
from core.ratelimit import rate_limit_hit, rate_parse, too_many_requests
from core.services import outbound_email_queue
from core.sso import local_password_allowed


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form, sending through the outbox, to accounts that may use a local password only."""

    def get_users(self, email: str) -> Iterator[User]:
        limit, window = rate_parse(settings.PASSWORD_RESET_RATE_PER_EMAIL)
        within, _retry_after = rate_limit_hit(f"password-reset:email:{email.strip().lower()}", limit, window)
        if not within:
            return  # an address asked for too often gets no more e-mail this window; the page says the same
        for user in super().get_users(email):
            if local_password_allowed(user):
                yield user

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        outbound_email_queue(to=to_email, subject=subject, body=body)


class PasswordResetView(auth_views.PasswordResetView):
    """Ask for a reset link by e-mail; a few requests per address and per client, then 429."""

    form_class = QueuedPasswordResetForm
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"

    @property
    def extra_email_context(self) -> dict[str, str]:  # type: ignore[override]
        return {"site_url": settings.SITE_URL}

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        limit, window = rate_parse(settings.PASSWORD_RESET_RATE_PER_IP)
        within, retry_after = rate_limit_hit(f"password-reset:ip:{client_key(request)}", limit, window)
        if not within:
            return too_many_requests(request, retry_after)
        return super().post(request, *args, **kwargs)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Any signed-in account with a local password changes it here (staff who are not superusers included)."""

    success_url = reverse_lazy("password_change_done")
