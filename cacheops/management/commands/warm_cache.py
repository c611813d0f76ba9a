"""`manage.py warm_cache`: request every registered warm-up path so its cache entry is filled."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cacheops.outcomes import Outcome
from cacheops.stats import recorder
from cacheops.warmup import get_warmup_paths, warm


class Command(BaseCommand):
    help = "Fill the response cache by requesting every registered warm-up path (as a superuser, or --user)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", help="username to request as (default: the first active superuser)")

    def handle(self, *args: Any, user: str | None = None, **options: Any) -> None:
        paths = get_warmup_paths()
        if not paths:
            self.stdout.write("Cache warm-up: no paths registered; nothing to do.")
            return
        account = self._get_user(user)
        who = account.get_username() if account is not None else "anonymous (no superuser exists)"
        self.stdout.write(f"Cache warm-up: {len(paths)} paths as {who}")
        results = warm(paths, account)
        # Count these requests now, while this command's cache settings are in force (a runner may
        # override them only around this call; an exit-time flush would go to the wrong Redis).
        recorder.flush()
        for result in results:
            self.stdout.write(f"  {result.status} {result.cache:<4} {result.path}")
        filled = sum(1 for result in results if result.cache == Outcome.MISS.header and 200 <= result.status < 300)
        self.stdout.write(f"Cache warm-up: {filled} entries filled, "
                          f"{sum(1 for r in results if r.cache == Outcome.HIT.header)} already cached.")

    def _get_user(self, username: str | None) -> Any:
        users = get_user_model()._default_manager
        if username is None:
            return users.filter(is_superuser=True, is_active=True).order_by("pk").first()
        try:
            return users.get_by_natural_key(username)
        except users.model.DoesNotExist:
            raise CommandError(f"--user {username!r}: no such user.") from None
