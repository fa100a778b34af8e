"""How a person is named on every page, e-mail and export: one rule, so "cio" and "Carla Ionescu" never mix."""

from typing import Any


def person_name(user: Any) -> str:
    """A user's full name, else their username; an empty string for nobody."""
    if user is None:
        return ""
    return str(user.get_full_name() or user.get_username())
