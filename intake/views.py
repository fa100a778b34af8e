"""Public pages: the landing page, the demand form, its confirmation, the private tracking page, attachments."""

import hashlib
import re
import secrets
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import decorator_from_middleware
from django.utils.translation import get_language, gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from core import roles
from core.choices import AuditAction
from core.decorators import staff_permission_required
from core.enqueue import enqueue_on_commit
from core.exceptions import ApplicationError
from core.proxies import client_key
from core.ratelimit import rate_limit_hit, rate_parse, too_many_requests
from core.services import audit_anonymous_count
from intake import selectors, services
from intake.conversation.selectors import conversation_list
from intake.conversation.services import comment_customer_add
from intake.filetypes import download_name, served_content_type
from intake.forms import AnswerForm, ChangeRequestForm, CommentForm, LostLinkForm, WithdrawForm, form_idempotency_key
from intake.models import Attachment, ChangeRequest
from intake.uploads import AttachmentUploadHandler, upload_errors

# Whatever a stored file claims to be, a browser must neither run it nor render it inline.
ATTACHMENT_CSP = "sandbox; default-src 'none'; frame-ancestors 'none'"


# The browser that loaded the demand form, named by a random cookie its idempotency key is bound to
# (intake.forms.form_idempotency_key). HttpOnly and sent only to the form's own URL: no page shows it.
FORM_BROWSER_COOKIE = "dd_form_browser"
SANE_BROWSER_ID = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
FORM_BROWSER_COOKIE_MAX_AGE = 2 * 24 * 3600  # longer than a form token lives (a day)


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "intake/home.html")


def _form_browser_id(request: HttpRequest) -> str | None:
    browser_id = request.COOKIES.get(FORM_BROWSER_COOKIE, "")
    return browser_id if SANE_BROWSER_ID.match(browser_id) else None


def _form_page(request: HttpRequest, form: ChangeRequestForm, *, status: int = 200) -> HttpResponse:
    """The form, with this browser's id cookie set (a new one if it has none)."""
    response = render(request, "intake/change_request_form.html", {"form": form}, status=status)
    response.set_cookie(
        FORM_BROWSER_COOKIE,
        _form_browser_id(request) or secrets.token_urlsafe(32),
        max_age=FORM_BROWSER_COOKIE_MAX_AGE,
        path=reverse("intake:new"),
        secure=settings.CSRF_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


# The form page may hold what a customer typed (after an error) and its form token: never kept by a cache.
@never_cache
@csrf_exempt
@require_http_methods(["GET", "POST"])
def change_request_new(request: HttpRequest) -> HttpResponse:
    """Count the POST against the client's limit and choose the upload handler before the body is read.

    Upload handlers can only be swapped before anything reads `request.POST`, and the CSRF check
    reads it; so the CSRF check runs in the inner view instead (the pattern Django documents).
    """
    if request.method == "POST":
        limit, window_seconds = rate_parse(settings.INTAKE_FORM_RATE_PER_IP)
        allowed, retry_after = rate_limit_hit(f"intake-form-ip:{client_key(request)}", limit, window_seconds)
        if not allowed:
            return too_many_requests(request, retry_after)
        request.upload_handlers = [AttachmentUploadHandler(request)]
    return _change_request_new(request)


@csrf_protect
def _change_request_new(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _form_page(request, ChangeRequestForm())
    form = ChangeRequestForm(request.POST, request.FILES, upload_errors=upload_errors(request))
    if not form.is_valid():
        form.form_token_renew_if_refused()
        return _form_page(request, form, status=400)
    if form.is_spam:
        # Answer a bot as if it worked, and keep nothing.
        return render(request, "intake/submitted.html", {"demand": None})
    limit, window_seconds = rate_parse(settings.INTAKE_FORM_RATE_PER_DOMAIN)
    domain = selectors.email_domain(form.cleaned_data["contact_email"])
    allowed, retry_after = rate_limit_hit(f"intake-form-domain:{domain}", limit, window_seconds)
    if not allowed:
        return too_many_requests(request, retry_after)
    _demand, raw_token, _created = services.change_request_submit(
        submission=form.submission(),
        idempotency_key=form_idempotency_key(
            form_token=form.cleaned_data["form_token"], browser_id=_form_browser_id(request)
        ),
        attachments=form.cleaned_data["attachments"],
    )
    return redirect("intake:track_submitted", token=raw_token)


TrackingView = Callable[..., HttpResponseBase]


class _NoReferrerPageCsrf(CsrfViewMiddleware):
    """Django's CSRF check for forms on `Referrer-Policy: no-referrer` pages.

    Browsers send `Origin: null` when such a page posts a form, which Django's Origin check refuses.
    Here that one value is let through to the rest of the check: the CSRF token must still match
    the cookie, and the URL itself carries the secret tracking token no other site knows.
    """

    def _origin_verified(self, request: HttpRequest) -> bool:
        return request.META.get("HTTP_ORIGIN") == "null" or super()._origin_verified(request)  # type: ignore[misc]


no_referrer_page_csrf_protect = decorator_from_middleware(_NoReferrerPageCsrf)


def tracking_link_required(view: TrackingView) -> TrackingView:
    """Open the demand of `<token>` for the view, or answer the one plain 404; a client's repeated misses get 429.

    A good link always opens: misses are counted, per client, only once the token was not found, so no
    one (not even another customer behind the same proxy) can lock a customer out of their own page.
    Every kind of wrong token (malformed, unknown, too long) takes the same path and renders the same
    page. The page is private: never cached, and its URL never leaks through a Referer header.
    """

    @never_cache
    @wraps(view)
    def wrapper(request: HttpRequest, token: str, *args, **kwargs) -> HttpResponseBase:  # type: ignore[no-untyped-def]
        demand = selectors.change_request_by_tracking_token(token)
        if demand is None:
            limit, window_seconds = rate_parse(settings.INTAKE_TRACK_MISSES_PER_IP)
            allowed, retry_after = rate_limit_hit(f"intake-track-miss-ip:{client_key(request)}", limit, window_seconds)
            audit_anonymous_count(action=AuditAction.TRACKING_MISS)
            if not allowed:
                return too_many_requests(request, retry_after)
            # Every miss renders these same bytes (nothing of the request in it), with the way to a new link.
            return render(request, "intake/track_missing.html", status=404)
        response = view(request, demand, token, *args, **kwargs)
        response["Referrer-Policy"] = "no-referrer"
        return response

    return wrapper


@tracking_link_required
def track_submitted(request: HttpRequest, demand: ChangeRequest, token: str) -> HttpResponse:
    """The confirmation page: the reference and the private link to keep."""
    link = request.build_absolute_uri(reverse("intake:track", kwargs={"token": token}))
    return render(request, "intake/submitted.html", {"demand": demand, "tracking_link": link})


def attachment_uploads(view: TrackingView) -> TrackingView:
    """Stream a POST's files through the checking handler; it must be chosen before the CSRF check reads the body."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponseBase:  # type: ignore[no-untyped-def]
        if request.method == "POST":
            request.upload_handlers = [AttachmentUploadHandler(request)]
        return view(request, *args, **kwargs)

    return wrapper


@csrf_exempt
@require_http_methods(["GET", "POST"])
@attachment_uploads
@no_referrer_page_csrf_protect
@tracking_link_required
def track(request: HttpRequest, demand: ChangeRequest, token: str) -> HttpResponse:
    """One demand, for the holder of its private link: status, conversation, timeline, attachments, answer, withdraw."""
    action = request.POST.get("action")
    answer_form = AnswerForm(request.POST if action == "answer" else None)
    withdraw_form = WithdrawForm(request.POST if action == "withdraw" else None)
    comment_form = CommentForm(
        request.POST if action == "comment" else None,
        request.FILES if action == "comment" else None,
        upload_errors=upload_errors(request),
    )
    if request.method == "POST" and action == "comment":
        limit, window_seconds = rate_parse(settings.INTAKE_COMMENTS_PER_DEMAND)
        allowed, retry_after = rate_limit_hit(f"intake-comment:{demand.pk}", limit, window_seconds)
        if not allowed:
            return too_many_requests(request, retry_after)
    if request.method == "POST":
        try:
            if action == "comment" and comment_form.is_valid():
                comment_customer_add(
                    change_request=demand,
                    body=comment_form.cleaned_data["body"],
                    attachments=comment_form.cleaned_data["attachments"],
                )
                messages.success(request, gettext("Thank you, your message was sent."))
                return redirect("intake:track", token=token)
            if request.POST.get("action") == "answer" and answer_form.is_valid():
                services.change_request_answer(change_request=demand, answer=answer_form.cleaned_data["answer"])
                messages.success(
                    request, gettext("Thank you, your answer was sent. We will look at your demand again.")
                )
                return redirect("intake:track", token=token)
            if request.POST.get("action") == "withdraw" and withdraw_form.is_valid():
                services.change_request_withdraw(change_request=demand, reason=withdraw_form.cleaned_data["reason"])
                messages.success(
                    request,
                    gettext("Your demand is withdrawn. We sent a receipt to {email}.").format(
                        email=demand.contact_email
                    ),
                )
                return redirect("intake:track", token=token)
        except ApplicationError as error:
            if action != "comment":
                messages.error(request, error.message)
                return redirect("intake:track", token=token)
            comment_form.add_error(None, error.message)  # shown above the message, which stays as typed
    attachments = list(selectors.attachment_list(change_request=demand))
    context = {
        "demand": demand,
        "token": token,
        "timeline": selectors.status_event_timeline(change_request=demand, customer_view=True),
        "question": selectors.status_event_open_question(change_request=demand),
        "decision_message": selectors.status_event_decision_message(change_request=demand),
        "attachments": attachments,
        "conversation": conversation_list(change_request=demand, customer_view=True, attachments=attachments),
        "answer_form": answer_form,
        "withdraw_form": withdraw_form,
        "comment_form": comment_form,
    }
    return render(request, "intake/track.html", context, status=400 if request.method == "POST" else 200)


LOST_LINK_TASK = "intake.send_tracking_links"


@never_cache
@require_http_methods(["GET", "POST"])
def lost_link(request: HttpRequest) -> HttpResponse:
    """ "Lost your link?": the same answer whether or not the address filed anything, and the same work.

    The page never looks the address up: it counts the client and the address, then a Celery task (after
    commit) finds the open demands and e-mails their links, so neither the answer nor its timing tells
    whether the address is known. Past the per-address limit the page still answers the same, and sends nothing.
    """
    if request.method != "POST":
        return render(request, "intake/lost_link.html", {"form": LostLinkForm()})
    limit, window_seconds = rate_parse(settings.INTAKE_LOST_LINK_RATE_PER_IP)
    allowed, retry_after = rate_limit_hit(f"intake-lost-link-ip:{client_key(request)}", limit, window_seconds)
    if not allowed:
        return too_many_requests(request, retry_after)
    form = LostLinkForm(request.POST)
    if not form.is_valid():
        return render(request, "intake/lost_link.html", {"form": form}, status=400)
    email = form.cleaned_data["email"].strip().lower()
    limit, window_seconds = rate_parse(settings.INTAKE_LOST_LINK_RATE_PER_EMAIL)
    address = hashlib.sha256(email.encode()).hexdigest()  # the counter's key holds no address in clear
    within, _retry_after = rate_limit_hit(f"intake-lost-link-email:{address}", limit, window_seconds)
    if within:
        enqueue_on_commit(LOST_LINK_TASK, email, get_language())
    return render(request, "intake/lost_link.html", {"sent": True})


def _attachment_response(attachment: Attachment | None) -> FileResponse:
    if attachment is None:
        raise Http404("No attachment here.")
    try:
        stored = default_storage.open(attachment.stored_name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404("No attachment here.") from None
    # Saved under the customer's name, but always with an extension of its checked type (never `.html`).
    response = FileResponse(
        stored,
        as_attachment=True,
        filename=download_name(attachment.original_name, attachment.content_type),
        content_type=served_content_type(attachment.content_type),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = ATTACHMENT_CSP
    return response


@require_GET
@tracking_link_required
def track_attachment(request: HttpRequest, demand: ChangeRequest, token: str, attachment_id: int) -> FileResponse:
    """An attachment of the tracking link's own demand, downloaded, never shown inline."""
    return _attachment_response(selectors.attachment_get(attachment_id=attachment_id, change_request=demand))


@never_cache
@require_GET
@staff_permission_required(roles.VIEW_ATTACHMENT)
def attachment_download(request: HttpRequest, attachment_id: int) -> FileResponse:
    """Any attachment, for staff whose role may open customers' files (not the portfolio manager's, by default)."""
    return _attachment_response(selectors.attachment_get(attachment_id=attachment_id))
