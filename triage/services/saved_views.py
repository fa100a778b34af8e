"""Saved views of the queue: a name for a set of filters and a sort, private or shared, and each reader's default."""

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.utils.translation import gettext

from core.exceptions import ApplicationError
from intake.models import ChangeRequest
from triage.filters import ChangeRequestFilterSet
from triage.models import SavedView, SavedViewDefault


def queue_query_normalize(query: str) -> str:
    """Keep only the queue's own filter and sort parameters (no page, nothing unknown), in a stable order."""
    params = QueryDict(query)
    kept = QueryDict(mutable=True)
    for key in sorted(set(params) & set(ChangeRequestFilterSet.base_filters)):
        values = [value for value in params.getlist(key) if value.strip()]
        if values:
            kept.setlist(key, values)
    return kept.urlencode()


def saved_view_create(*, owner: User, name: str, query: str, is_shared: bool) -> SavedView:
    """Save the queue's current filters and sort under a name; a name is unique per owner."""
    name = name.strip()
    if not name:
        raise ApplicationError(gettext("Give the view a name."))
    query = queue_query_normalize(query)
    if not ChangeRequestFilterSet(QueryDict(query), queryset=ChangeRequest.objects.none()).is_valid():
        raise ApplicationError(gettext("These filters are not valid: fix them, then save the view."))
    view = SavedView(owner=owner, name=name, query=query, is_shared=is_shared)
    view.full_clean(validate_unique=False, validate_constraints=False)  # the unique name is the database's
    try:
        with transaction.atomic():
            view.save(force_insert=True)
    except IntegrityError:
        raise ApplicationError(gettext("You already have a view named “{name}”.").format(name=name)) from None
    return view


def saved_view_delete(*, view: SavedView, user: User) -> None:
    """Delete one of the user's own views (a shared view is deleted by its owner only)."""
    if view.owner_id != user.pk:
        raise ApplicationError(gettext("Only its owner can delete this view."))
    view.delete()


def saved_view_set_default(*, view: SavedView | None, user: User) -> None:
    """Make `view` (theirs, or one shared with them) the user's default queue; None: no default."""
    if view is None:
        SavedViewDefault.objects.filter(user=user).delete()
        return
    if view.owner_id != user.pk and not view.is_shared:
        raise ApplicationError(gettext("This view is private to its owner."))
    SavedViewDefault.objects.update_or_create(user=user, defaults={"view": view})
