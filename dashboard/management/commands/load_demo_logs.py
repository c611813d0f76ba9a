"""`manage.py load_demo_logs`: index the demo data set, one upload per demo product."""

from __future__ import annotations

import io
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser

from dashboard import client
from dashboard.demo import DEMO_PRODUCTS, generate_demo_lines
from dashboard.indexing import ingest_file, start_upload
from dashboard.models import Product, Upload
from logdash.clock import clock


class Command(BaseCommand):
    help = "Generate demo log lines over the last 30 days and index them as uploads of the demo products."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--lines", type=int, default=30_000, help="How many lines in all (default 30000).")
        parser.add_argument("--replace", action="store_true",
                            help="Forget every earlier upload first (the embedded engine starts empty).")

    def handle(self, *args: Any, lines: int, replace: bool, **options: Any) -> None:
        if replace:
            forgotten, _ = Upload.objects.all().delete()
            if forgotten:
                self.stdout.write(f"Demo: forgot {forgotten} earlier uploads (their lines were in memory only).")
        client.ensure_index()
        owner = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
        now = clock.now()
        tz = ZoneInfo(settings.TIME_ZONE)
        per_product = max(1, lines // len(DEMO_PRODUCTS))
        for seed, (name, slug, description, team) in enumerate(DEMO_PRODUCTS):
            product, _ = Product.objects.get_or_create(
                slug=slug, defaults={"name": name, "description": description, "owner_team": team}
            )
            text = "\n".join(generate_demo_lines(per_product, now=now, seed=seed, tz=tz)).encode()
            upload = start_upload(filename=f"demo-{slug}.jsonl", size_bytes=len(text),
                                  owner_id=owner.pk if owner else None, product_id=product.pk)
            result = ingest_file(upload, io.BytesIO(text))
            self.stdout.write(f"Demo: indexed {result.lines_indexed} lines of {product.name} "
                              f"(upload {result.upload_id}, format {result.detected_format}).")
