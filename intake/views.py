"""Public pages: the landing page, the demand form, its confirmation, and the private tracking page."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from core.exceptions import ApplicationError
from intake import selectors, services
from intake.forms import AnswerForm, ChangeRequestForm, WithdrawForm


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "intake/home.html")


@require_http_methods(["GET", "POST"])
def change_request_new(request: HttpRequest) -> HttpResponse:
    form = ChangeRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if form.is_spam:
            # Answer a bot as if it worked, and keep nothing.
            return render(request, "intake/submitted.html", {"demand": None})
        _demand, raw_token, _created = services.change_request_submit(
            submission=form.submission(), idempotency_key="form:" + form.cleaned_data["form_token"]
        )
        return redirect("intake:track_submitted", token=raw_token)
    status = 400 if request.method == "POST" else 200
    return render(request, "intake/change_request_form.html", {"form": form}, status=status)


def _demand_for_token(token: str):  # type: ignore[no-untyped-def]
    demand = selectors.change_request_by_tracking_token(token)
    if demand is None:
        raise Http404("No demand here.")
    return demand


@never_cache
def track_submitted(request: HttpRequest, token: str) -> HttpResponse:
    """The confirmation page: the reference and the private link to keep."""
    demand = _demand_for_token(token)
    link = request.build_absolute_uri(reverse("intake:track", kwargs={"token": token}))
    response = render(request, "intake/submitted.html", {"demand": demand, "tracking_link": link})
    response["Referrer-Policy"] = "no-referrer"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def track(request: HttpRequest, token: str) -> HttpResponse:
    """One demand, for the holder of its private link: status, timeline, answer, withdraw."""
    demand = _demand_for_token(token)
    answer_form = AnswerForm(request.POST if request.POST.get("action") == "answer" else None)
    withdraw_form = WithdrawForm(request.POST if request.POST.get("action") == "withdraw" else None)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "answer" and answer_form.is_valid():
                services.change_request_answer(change_request=demand, answer=answer_form.cleaned_data["answer"])
                messages.success(request, "Thank you, your answer was sent. We will look at your demand again.")
                return redirect("intake:track", token=token)
            if request.POST.get("action") == "withdraw" and withdraw_form.is_valid():
                services.change_request_withdraw(change_request=demand, reason=withdraw_form.cleaned_data["reason"])
                messages.success(request, "Your demand is withdrawn.")
                return redirect("intake:track", token=token)
        except ApplicationError as error:
            messages.error(request, error.message)
            return redirect("intake:track", token=token)
    context = {
        "demand": demand,
        "timeline": selectors.status_event_timeline(change_request=demand, customer_view=True),
        "question": selectors.status_event_open_question(change_request=demand),
        "answer_form": answer_form,
        "withdraw_form": withdraw_form,
    }
    response = render(request, "intake/track.html", context, status=400 if request.method == "POST" else 200)
    response["Referrer-Policy"] = "no-referrer"
    return response
