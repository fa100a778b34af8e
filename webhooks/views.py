"""Webhook pages for those who manage them (the CIO): register, inspect deliveries, pause, rotate, redeliver."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import roles
from core.decorators import StaffRequest, staff_permission_required
from core.exceptions import ApplicationError
from webhooks import selectors, services
from webhooks.forms import EndpointForm, EventsForm
from webhooks.models import WebhookDelivery, WebhookEndpoint

DELIVERIES_PER_PAGE = 20


def _endpoint_or_404(endpoint_id: int) -> WebhookEndpoint:
    endpoint = selectors.webhook_endpoint_detail(endpoint_id=endpoint_id)
    if endpoint is None:
        raise Http404("No such webhook endpoint.")
    return endpoint


def _secret_page(request: HttpRequest, endpoint: WebhookEndpoint, secret: str, *, created: bool) -> HttpResponse:
    """The one page that shows a secret: rendered in answer to the POST, never cached, never shown again."""
    response = render(request, "webhooks/secret.html", {"endpoint": endpoint, "secret": secret, "created": created})
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
@staff_permission_required(roles.MANAGE_WEBHOOKS)
def endpoint_list(request: StaffRequest) -> HttpResponse:
    """Every endpoint with its events and status, and the form to register another."""
    form = EndpointForm(request.POST) if request.method == "POST" else EndpointForm()
    if request.method == "POST" and form.is_valid():
        try:
            endpoint, secret = services.webhook_endpoint_create(
                name=form.cleaned_data["name"],
                url=form.cleaned_data["url"],
                event_types=form.cleaned_data["events"],
                created_by=request.user,
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            return _secret_page(request, endpoint, secret, created=True)
    page = Paginator(selectors.webhook_endpoint_list(), 50).get_page(request.GET.get("page"))
    status = 400 if request.method == "POST" else 200
    return render(request, "webhooks/endpoint_list.html", {"page": page, "form": form}, status=status)


@require_GET
@staff_permission_required(roles.MANAGE_WEBHOOKS)
def endpoint_detail(request: StaffRequest, endpoint_id: int) -> HttpResponse:
    """One endpoint: its events, status, and recent deliveries with every attempt."""
    endpoint = _endpoint_or_404(endpoint_id)
    deliveries = Paginator(selectors.deliveries_with_attempts(endpoint=endpoint), DELIVERIES_PER_PAGE)
    context = {
        "endpoint": endpoint,
        "counts": selectors.delivery_counts(endpoint=endpoint),
        "page": deliveries.get_page(request.GET.get("page")),
        "events_form": EventsForm(initial={"events": [s.event_type for s in endpoint.subscriptions.all()]}),
    }
    return render(request, "webhooks/endpoint_detail.html", context)


@require_POST
@staff_permission_required(roles.MANAGE_WEBHOOKS)
def endpoint_events(request: StaffRequest, endpoint_id: int) -> HttpResponse:
    endpoint = get_object_or_404(WebhookEndpoint, pk=endpoint_id)
    form = EventsForm(request.POST)
    if form.is_valid():
        services.webhook_endpoint_set_events(
            endpoint=endpoint, event_types=form.cleaned_data["events"], changed_by=request.user
        )
        messages.success(request, _("Events saved."))
    else:
        messages.error(request, _("Nothing changed: choose at least one event."))
    return redirect("webhooks:detail", endpoint_id=endpoint.pk)


def _act(request: HttpRequest, endpoint_id: int, action, done: str) -> HttpResponse:  # type: ignore[no-untyped-def]
    endpoint = get_object_or_404(WebhookEndpoint, pk=endpoint_id)
    try:
        action(endpoint)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect("webhooks:detail", endpoint_id=endpoint.pk)


@require_POST
@staff_permission_required(roles.MANAGE_WEBHOOKS)
def endpoint_pause(request: StaffRequest, endpoint_id: int) -> HttpResponse:
    return _act(
        request,
        endpoint_id,
        lambda endpoint: services.webhook_endpoint_pause(endpoint=endpoint, paused_by=request.user),
        _("Paused: new events are kept and sent once you resume."),
    )


@require_POST
@staff_permission_required(roles.MANAGE_WEBHOOKS)
def endpoint_resume(request: StaffRequest, endpoint_id: int) -> HttpResponse:
    return _act(
        request,
        endpoint_id,
        lambda endpoint: services.webhook_endpoint_resume(endpoint=endpoint, resumed_by=request.user),
        _("Resumed: held events are being sent."),
    )


@require_POST
@staff_permission_required(roles.MANAGE_WEBHOOKS)
def endpoint_deactivate(request: StaffRequest, endpoint_id: int) -> HttpResponse:
    return _act(
        request,
        endpoint_id,
        lambda endpoint: services.webhook_endpoint_deactivate(endpoint=endpoint, deactivated_by=request.user),
        _("Deactivated: this endpoint receives nothing and its pending deliveries are cancelled."),
    )


@require_POST
@staff_permission_required(roles.MANAGE_WEBHOOKS)
def endpoint_rotate_secret(request: StaffRequest, endpoint_id: int) -> HttpResponse:
    endpoint = get_object_or_404(WebhookEndpoint, pk=endpoint_id)
    secret = services.webhook_endpoint_rotate_secret(endpoint=endpoint, rotated_by=request.user)
    return _secret_page(request, endpoint, secret, created=False)


@require_POST
@staff_permission_required(roles.MANAGE_WEBHOOKS)
def delivery_redeliver(request: StaffRequest, endpoint_id: int, delivery_id: int) -> HttpResponse:
    """The Redeliver button of a delivery, failed or not: a fresh attempt as soon as a worker takes it."""
    delivery = get_object_or_404(
        WebhookDelivery.objects.select_related("endpoint"), pk=delivery_id, endpoint_id=endpoint_id
    )
    try:
        services.webhook_delivery_redeliver(delivery=delivery, requested_by=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        if delivery.endpoint.is_active:
            messages.success(request, _("Delivery %(id)s queued for another attempt.") % {"id": delivery.pk})
        else:
            messages.success(
                request, _("Delivery %(id)s will be sent again once the endpoint is resumed.") % {"id": delivery.pk}
            )
    return redirect("webhooks:detail", endpoint_id=endpoint_id)
