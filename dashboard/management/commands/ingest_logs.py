"""`manage.py ingest_logs FILE... [--product P]`: what POST /api/upload's job does, from the shell, on local files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from dashboard import jobs, log_formats
from dashboard.indexing import start_upload
from dashboard.ingest.formats.declared import FormatDeclarationError
from dashboard.models import Product, Upload


class Command(BaseCommand):
    help = "Parse and index log files (plain or gzip), one upload per file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument("--product", help="Slug of the product these logs belong to.")
        parser.add_argument("--user", help="Username recorded as the uploader.")
        parser.add_argument("--format", dest="format_name", default="",
                            help="A declared or named format to use instead of detecting one.")
        parser.add_argument("--timezone", default="", help="IANA zone of times written without one (default UTC).")

    def handle(self, *args: Any, files: list[Path], product: str | None, user: str | None, format_name: str = "",
               timezone: str = "", **options: Any) -> None:
        try:
            log_formats.parse_options(format_name, timezone)  # refuse an unknown format or zone before any file
        except FormatDeclarationError as exc:
            raise CommandError(str(exc)) from exc
        product_obj = self._product(product)
        owner = self._owner(user)
        failures = 0
        for path in files:
            if not path.is_file():
                raise CommandError(f"{path} is not a file.")
            # The job's own code (dashboard/jobs.py), run here on the local file instead of by a worker.
            upload = start_upload(filename=path.name, size_bytes=path.stat().st_size,
                                  owner_id=owner.pk if owner else None,
                                  product_id=product_obj.pk if product_obj else None, status=Upload.Status.QUEUED,
                                  requested_format=format_name, timezone=timezone)
            upload = jobs.claim(upload.pk)
            with path.open("rb") as fileobj, tqdm(desc=path.name, unit=" lines", disable=None) as bar:
                def progress(read: int, bar: tqdm = bar) -> None:
                    bar.update(read - bar.n)

                result = jobs.run(upload, fileobj, progress=progress)
                upload.refresh_from_db()
                if result is None:
                    failures += 1
                    self.stderr.write(f"{path}: not indexed: {upload.error}")
                    continue
                bar.update(result.lines_read - bar.n)
            self.stdout.write(f"{path}: {result.detected_format}, {result.lines_read} lines read, "
                              f"{result.lines_indexed} indexed, {result.lines_unparsed} unparsed "
                              f"(upload {result.upload_id}).")
            self.stdout.write(f"  layout: {upload.layout_description}; timestamps on "
                              f"{_percent(upload.timestamp_share)} of lines, levels on {_percent(upload.level_share)}.")
        if failures:
            raise CommandError(f"{failures} of {len(files)} files could not be indexed.")

    def _product(self, slug: str | None) -> Product | None:
        if not slug:
            return None
        try:
            return Product.objects.get(slug=slug)
        except Product.DoesNotExist:
            known = ", ".join(Product.objects.values_list("slug", flat=True)) or "none yet"
            raise CommandError(f"No product with slug {slug!r}; known products: {known}.") from None

    def _owner(self, username: str | None):
        if not username:
            return None
        try:
            return get_user_model().objects.get_by_natural_key(username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user named {username!r}.") from None


def _percent(share: float | None) -> str:
    return "no" if share is None else f"{share:.1%}"
