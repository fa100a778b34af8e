from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from core import passwords, sso
from core import views as core_views
from intake import views as intake_views

# The admin is for superusers: staff roles change demands and projects through the pages, whose services
# check each permission and record every transition; the admin would let them edit rows around both.
admin.site.has_permission = lambda request: request.user.is_active and request.user.is_superuser  # type: ignore[method-assign]

urlpatterns = [
    path("", intake_views.home, name="home"),
    path("", include("intake.urls")),
    path("triage/", include("triage.urls")),
    path("portfolio/", include("portfolio.urls")),
    path("partners/", include("partners.urls")),
    path("webhooks/", include("webhooks.urls")),
    path("notifications/", include("notifications.urls")),
    path("accounts/login/", sso.StaffLoginView.as_view(), name="login"),
    path("start/", core_views.landing, name="landing"),
    path("accounts/logout/", sso.StaffLogoutView.as_view(), name="logout"),
    # Single sign-on (core/sso.py): 404 unless configured.
    path("oidc/authenticate/", sso.SsoLoginView.as_view(), name="sso_login"),
    path("oidc/callback/", sso.SsoCallbackView.as_view(), name="sso_callback"),
    # Local passwords: change your own, or reset a forgotten one by e-mail (core/passwords.py).
    path("accounts/password/change/", passwords.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("accounts/password/reset/", passwords.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/password/reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("admin/", admin.site.urls),
    path("api/v1/", include(("config.api_urls", "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file, so the CSP needs no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("metrics", core_views.metrics, name="metrics"),
    path("audit/", core_views.audit_list, name="audit"),
    path("time-zone/", core_views.time_zone_choose, name="time_zone"),
    # The language switcher posts to Django's set_language view, with the CSRF check of the tracking page's own
    # forms: that page sends no Referer, so browsers post from it with `Origin: null`; the token must still match.
    path(
        "i18n/setlang/",
        csrf_exempt(intake_views.no_referrer_page_csrf_protect(set_language)),
        name="set_language",
    ),
]

# While the database does not answer: a friendly 503 in the reader's language (core.views.server_error).
handler500 = core_views.server_error
