"""`manage.py api_token_create --user cio --scope read --name "BI export" [--expires-days 90]`: prints the key once."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from core.choices import TokenScope
from core.models import ApiToken
from core.services import api_token_create


class Command(BaseCommand):
    help = "Create an API token for a user and print its key; only its digest is stored, so copy it now."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="Username the token acts for.")
        parser.add_argument("--name", required=True, help="What the token is for, e.g. 'BI nightly export'.")
        parser.add_argument("--scope", choices=TokenScope.values, default=TokenScope.READ)
        parser.add_argument("--expires-days", type=int, default=None, help="Expire after this many days.")

    def handle(self, *args: object, **options: object) -> None:
        user = get_user_model().objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {options['user']!r}.")
        expires_days = options["expires_days"]
        if expires_days is not None and not 1 <= int(expires_days) <= 3650:  # type: ignore[call-overload]
            raise CommandError("--expires-days must be between 1 and 3650.")
        with transaction.atomic():
            token, raw_key = api_token_create(user=user, name=str(options["name"]), scope=str(options["scope"]))
            if expires_days is not None:
                token.expires_at = timezone.now() + timedelta(days=int(expires_days))  # type: ignore[call-overload]
                ApiToken.objects.filter(pk=token.pk).update(expires_at=token.expires_at)
        self.stderr.write(f"Created {token} for {user.get_username()}, expires {token.expires_at or 'never'}.")
        self.stderr.write("Copy the key now; it cannot be shown again:")
        self.stdout.write(raw_key)
