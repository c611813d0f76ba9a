"""Uploads and products: what lives in the SQL database (the log lines live in the search engine)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Product(models.Model):
    """An application whose logs are ingested."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True, help_text="Stored on every log line of this product.")
    description = models.TextField(blank=True)
    owner_team = models.CharField(max_length=100, blank=True)
    retention_days = models.PositiveIntegerField(
        null=True, blank=True,
        help_text="Keep this product's lines this many days (today included); empty: the global "
                  "LOGDASH_RETENTION_DAYS. It can only shorten the global retention, never lengthen it.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Upload(models.Model):
    """One uploaded log file and what became of its lines."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        PROCESSING = "processing", "Processing"
        COMPLETE = "complete", "Complete"
        FAILED = "failed", "Failed"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="uploads")
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="uploads")
    filename = models.CharField(max_length=255)
    size_bytes = models.BigIntegerField(default=0)
    detected_format = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PROCESSING, db_index=True)
    # The job (dashboard/jobs.py): where the file waits in the default storage, and its progress, written
    # at least once a second while a worker reads it (`progress_at` is also the worker's heartbeat).
    stored_file = models.CharField(max_length=255, blank=True,
                                   help_text="Name of the file in the default storage until its job ends.")
    bytes_read = models.BigIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    progress_at = models.DateTimeField(null=True, blank=True)
    attempts = models.IntegerField(default=0, help_text="Deliveries of the job: more than one after a worker died "
                                                        "or the search engine failed.")
    error_code = models.CharField(max_length=40, blank=True, help_text="Why the job failed, for programs: "
                                  "invalid_file, search_unavailable, search_refused, engine_full, storage, internal.")
    lines_read = models.IntegerField(default=0)
    lines_indexed = models.IntegerField(default=0)
    lines_unparsed = models.IntegerField(default=0)
    lines_future = models.IntegerField(
        default=0, help_text="Lines dated more than a day after the upload: indexed at the upload's time instead.")
    lines_expired = models.IntegerField(
        default=0, help_text="Lines already older than the retention when uploaded: counted, not indexed.")
    cleanup_pending = models.BooleanField(
        default=False, help_text="The upload failed and some of its lines could not be removed yet: "
                                 "`recover_uploads` retries.")
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # What the uploader asked for (`format=`, `timezone=`), and the honest report of what the parse
    # decided and how much of the file it read.
    requested_format = models.CharField(max_length=40, blank=True)
    timezone = models.CharField(max_length=64, blank=True, help_text="IANA zone of times written without one.")
    layout_description = models.TextField(blank=True, help_text="The layout decided, in words.")
    layout_pattern = models.TextField(blank=True, help_text="The layout decided, as a pattern.")
    timestamp_share = models.FloatField(null=True, blank=True, help_text="Share of lines whose own text gave a time.")
    level_share = models.FloatField(null=True, blank=True, help_text="Share of lines with a level.")
    unmatched_lines = models.JSONField(default=list, blank=True,
                                       help_text="The first lines that matched nothing: [{line, text}].")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.status})"


class LogFormat(models.Model):
    """
    A log layout an operator declares, for what detection cannot do (or does wrong).

    Declared formats are tried before the named ones on every upload, and an upload may name one
    with `format=<name>`. `clean` refuses a declaration that does not compile or does not read
    its own example line, so a stored format always works.
    """

    name = models.SlugField(max_length=40, unique=True, help_text="What uploads pass as `format=`.")
    pattern = models.TextField(help_text="A regular expression matching a line from its start, with named groups: "
                                         "timestamp (required), level, source, host, process, message.")
    timestamp_layout = models.CharField(max_length=100, help_text="strftime layout of the timestamp group "
                                        "(e.g. `%d.%m.%Y %H:%M:%S,%f`), or epoch, epoch_ms, epoch_us, epoch_ns.")
    timezone = models.CharField(max_length=64, default="UTC", help_text="IANA zone of times written without one.")
    example = models.TextField(help_text="A real line of the log; the format must read it.")
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def compile(self, zone_name: str | None = None):
        """Return the `DeclaredFormat` (a parser); raise `FormatDeclarationError` saying what is wrong."""
        from dashboard.ingest.formats.declared import DeclaredFormat

        return DeclaredFormat(self.name, self.pattern, self.timestamp_layout, zone_name or self.timezone)

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from dashboard.ingest.formats.declared import FormatDeclarationError

        try:
            self.compile().check(self.example)
        except FormatDeclarationError as exc:
            raise ValidationError(str(exc)) from exc


class LogPattern(models.Model):
    """A template learned from a product's logs, kept so the same event keeps its id across uploads.

    Rows are only ever added or generalised (a constant becoming `<*>`), never narrowed, so two
    ingestion workers that learn from the same product at once merge into the same answer.
    """

    product = models.CharField(max_length=100, blank=True, help_text="Product slug; empty for logs of no product.")
    pattern_id = models.CharField(max_length=16)
    template = models.TextField()
    token_count = models.IntegerField(help_text="Templates only group lines of the same number of tokens.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["product", "pattern_id"], name="unique_pattern_per_product")]
        indexes = [models.Index(fields=["product", "token_count"])]
        ordering = ["product", "pattern_id"]

    def __str__(self) -> str:
        return f"{self.pattern_id} {self.template[:80]}"


class PatternSet(models.Model):
    """A product's templates as a whole: its row is the lock under which a worker creates a new template.

    Without it two workers meeting a new event at once would each create it under a different
    id; holding it, the second finds the first's template and joins it.
    """

    product = models.CharField(max_length=100, unique=True, blank=True)

    def __str__(self) -> str:
        return self.product or "(no product)"


class DailyRollup(models.Model):
    """How many lines of one upload fall on one local day with one level and source.

    Written with the upload's own row (a failed upload writes none), deleted with the upload
    (cascade) and cut by retention, so the sums always equal the lines in the engine and the
    dashboard's counts need no scan of the lines. The day is the line's date in TIME_ZONE:
    after changing TIME_ZONE, run `manage.py rebuild_rollups`.
    """

    upload = models.ForeignKey(Upload, on_delete=models.CASCADE, related_name="rollups")
    day = models.DateField(db_index=True)
    level = models.TextField(blank=True)
    source = models.TextField(blank=True)
    product = models.TextField(blank=True, help_text="The product slug stored on the lines.")
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["upload", "day", "level", "source"],
                                               name="unique_rollup_per_upload_day_level_source")]
        indexes = [models.Index(fields=["product", "day"])]

    def __str__(self) -> str:
        return f"{self.day} {self.level} {self.source}: {self.count}"
