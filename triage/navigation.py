"""The queue view a staff member is working through, kept in a cookie: coming back from a demand (or moving on
with "Decide & next") keeps its filters, sort and page. A cookie, not the session: remembering costs no query."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from triage import selectors
from triage.filters import ChangeRequestFilterSet, queue_filterset_for

QUEUE_COOKIE = "dd_queue_view"
# Longer query strings (a pasted search of thousands of characters) are simply not remembered.
QUEUE_COOKIE_LIMIT = 1_500


def queue_filterset(query: QueryDict, *, request: HttpRequest | None = None) -> ChangeRequestFilterSet:
    """The queue's filters as the page applies them: open demands unless the query says otherwise."""
    return queue_filterset_for(query, queryset=selectors.change_request_queue(), request=request)


def queue_query_remember(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Keep this visit's query string for the pages that lead back to the queue."""
    query = request.GET.urlencode()
    if len(query) <= QUEUE_COOKIE_LIMIT and query != queue_query(request):
        response.set_signed_cookie(QUEUE_COOKIE, query, salt=QUEUE_COOKIE, path="/", httponly=True, samesite="Lax")
    return response


def queue_query(request: HttpRequest) -> str:
    """The query string of the queue as this person last left it ("" for the default view)."""
    return str(request.get_signed_cookie(QUEUE_COOKIE, default="", salt=QUEUE_COOKIE))


def queue_url(request: HttpRequest) -> str:
    """The queue as this person last left it."""
    query = queue_query(request)
    return reverse("triage:queue") + (f"?{query}" if query else "")


def queue_next_reference(request: HttpRequest, *, current) -> str | None:  # type: ignore[no-untyped-def]
    """The demand after `current` in the view this person is working through."""
    filterset = queue_filterset(QueryDict(queue_query(request)), request=request)
    if not filterset.is_valid():
        return None
    return selectors.queue_next_reference(queryset=filterset.qs, current=current)


def decide_then_next(request: HttpRequest) -> bool:
    """The "… & next" button of a decision form was the one pressed."""
    return request.POST.get("then") == "next"


def after_decision(request: HttpRequest, *, demand_reference: str, next_reference: str | None) -> HttpResponse:
    """Where a recorded decision leads for "Decide & next": the next demand of the current view, else the queue."""
    if not decide_then_next(request):
        return redirect("triage:detail", reference=demand_reference)
    if next_reference is None:
        messages.info(request, _("That was the last demand of this view."))
        return redirect(queue_url(request))
    return redirect("triage:detail", reference=next_reference)
