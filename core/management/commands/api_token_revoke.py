"""`manage.py api_token_revoke dd_AbCdEfG`: revoke the token with this prefix (as shown in the admin)."""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from core.models import ApiToken


class Command(BaseCommand):
    help = "Revoke an API token by the prefix the admin lists; it is refused (401) from the next request on."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("prefix", help="The token's prefix, e.g. dd_AbCdEfG (the first 10 characters).")

    def handle(self, *args: object, **options: object) -> None:
        prefix = str(options["prefix"])
        matches = ApiToken.objects.filter(prefix=prefix)
        if matches.count() != 1:
            raise CommandError(f"{matches.count()} tokens have the prefix {prefix!r}; revoke it in the admin.")
        # Guarded: an already revoked token keeps the time it was first revoked.
        revoked = matches.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.stdout.write(f"Revoked {matches.get()}." if revoked else f"{prefix} was already revoked.")
