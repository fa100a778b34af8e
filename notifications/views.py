"""Staff pages of notifications: the list, marking read, the e-mail preference."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import roles
from core.decorators import StaffRequest, staff_permission_required
from core.pagination import BoundedPaginator
from notifications import selectors, services
from notifications.forms import NotificationPreferenceForm

# Every staff role reads the triage pages, where notifications lead.
READ = roles.VIEW_ASSESSMENT


@staff_permission_required(READ)
def notification_list(request: StaffRequest) -> HttpResponse:
    """The reader's notifications, newest first, unread ones marked."""
    page = BoundedPaginator(selectors.notification_list(user=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page, "query": ""})


@require_POST
@staff_permission_required(READ)
def notification_open(request: StaffRequest, notification_id: int) -> HttpResponse:
    """Mark one notification read and go to what it is about (or back to the list)."""
    services.notification_mark_read(user=request.user, notification_id=notification_id)
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return redirect(target)
    return redirect("notifications:list")


@require_POST
@staff_permission_required(READ)
def notification_read_all(request: StaffRequest) -> HttpResponse:
    count = services.notification_mark_all_read(user=request.user)
    messages.success(request, _("%(count)s notifications marked read.") % {"count": count})
    return redirect("notifications:list")


@staff_permission_required(READ)
def notification_preferences(request: StaffRequest) -> HttpResponse:
    """Choose e-mail at once, a daily digest or none, and the e-mails' language and time zone."""
    current = selectors.preferences_for(user_ids=[request.user.pk])[request.user.pk]
    form = NotificationPreferenceForm(
        request.POST if request.method == "POST" else None,
        initial={"email_mode": current.email_mode, "language": current.language, "time_zone": current.time_zone},
    )
    if request.method == "POST" and form.is_valid():
        services.notification_preference_set(user=request.user, **form.cleaned_data)
        messages.success(request, _("Your notification settings are saved."))
        return redirect("notifications:preferences")
    status = 400 if form.errors else 200
    return render(request, "notifications/preferences.html", {"form": form}, status=status)
