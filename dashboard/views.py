"""
The log API: dashboard KPIs, search, trends, uploads, user pages and products.

Every read goes through `cache_response`, declaring the query parameters it reads (its params
serializer, or none), so that other parameters never make cache entries; every write
invalidates what it changed.
Authentication and permissions run before a cached answer is served (DRF's `initial()`
runs before the handler the decorator wraps).
"""

from __future__ import annotations

from itertools import pairwise

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, Sum
from django.shortcuts import get_object_or_404
from django.utils.cache import patch_cache_control, patch_vary_headers
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, status, viewsets
from rest_framework.exceptions import APIException, ParseError, UnsupportedMediaType, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cacheops.conf import CacheType
from cacheops.decorators import cache_response
from cacheops.prefetch import Prefetched, attach_prefetched
from dashboard import reports
from dashboard.conf import dashboard_settings
from dashboard.exceptions import SearchEngineErrorsMixin
from dashboard.indexing import EngineFull, TooManyUploads, check_engine_budget, sweep_stale_uploads
from dashboard.invalidation import (
    current_user_key,
    note_search,
    own_scopes,
    patterns_scopes,
    profile_key,
    profile_scopes,
    search_scopes,
    trends_scopes,
    user_dashboard_key,
)
from dashboard.models import LogFormat, Product, Upload
from dashboard.openapi import (
    ENGINE_FULL,
    PAYLOAD_TOO_LARGE,
    SEARCH_UNAVAILABLE,
    TOO_MANY_UPLOADS,
    DashboardSerializer,
    PatternsPageSerializer,
    SearchResultsSerializer,
    TrendsSerializer,
    UserProfileSerializer,
)
from dashboard.pagination import ByName, NewestFirst
from dashboard.permissions import IsSelfOrStaff, ReadAuthenticatedWriteStaff
from dashboard.popularity import record_search
from dashboard.serializers import (
    CurrentUserSerializer,
    LogFormatSerializer,
    PatternsParamsSerializer,
    ProductSerializer,
    SearchParamsSerializer,
    TrendsParamsSerializer,
    UploadJobSerializer,
    UploadRequestSerializer,
    UploadSerializer,
    UploadWaitSerializer,
)
from dashboard.submission import BrokerUnavailable, submit_upload, wait_for_job


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"
    default_detail = "The upload is too large."


class TooManyConcurrentUploads(APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "too_many_uploads"
    default_detail = "Too many uploads in progress; wait for one to finish."


class PrivateAnswerMixin:
    """Per-user answers: `Cache-Control: private` and `Vary: Authorization, Cookie`, on hits and misses alike.

    Set in `finalize_response`, outside `cache_response`, because the cache stores no answer marked
    private: a shared proxy must not keep one user's page, but our per-user keyed cache may.
    """

    def finalize_response(self, request: Request, response: Response, *args, **kwargs) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_cache_control(response, private=True)
        patch_vary_headers(response, ("Authorization", "Cookie"))
        return response


class DashboardView(SearchEngineErrorsMixin, APIView):
    """The seven KPIs over every log."""

    @extend_schema(operation_id="getDashboard", responses={200: DashboardSerializer, 503: SEARCH_UNAVAILABLE})
    @cache_response(CacheType.DASHBOARD, shared=True, query_params=())
    def get(self, request: Request) -> Response:
        return Response(reports.get_dashboard())


class SearchView(SearchEngineErrorsMixin, APIView):
    """Full-text search on log messages, filtered and paginated, newest first."""

    @extend_schema(operation_id="searchLogs", parameters=[SearchParamsSerializer],
                   responses={200: SearchResultsSerializer, 503: SEARCH_UNAVAILABLE})
    @cache_response(CacheType.SEARCH, shared=True, query_params=SearchParamsSerializer, scopes=search_scopes)
    def get(self, request: Request) -> Response:
        params = SearchParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        criteria = params.to_criteria()
        if criteria.q:
            record_search(request.get_full_path())
        # Noted before it is computed, so an upload committing meanwhile checks it (dashboard/invalidation.py).
        noted = note_search(request.query_params)
        pages = reports.search_pages(criteria, following=dashboard_settings.SEARCH_READ_AHEAD_PAGES if noted else 0)
        response = Response(pages[0])
        if not noted:
            response["Cache-Control"] = "no-store"  # an upload could not tell it is stale: never keep it
        # The pages read ahead, for the requests that follow each `next_cursor` (same filters, same scope).
        params = request.query_params.copy()
        read_ahead = []
        for page, following in pairwise(pages):
            params["cursor"] = page["next_cursor"]
            read_ahead.append(Prefetched(params.urlencode(), following))
        return attach_prefetched(response, read_ahead)


class TrendsView(SearchEngineErrorsMixin, APIView):
    """Error rate per day, top error patterns and volume per source and product."""

    @extend_schema(operation_id="getTrends", parameters=[TrendsParamsSerializer],
                   responses={200: TrendsSerializer, 503: SEARCH_UNAVAILABLE})
    @cache_response(CacheType.ANALYTICS, shared=True, query_params=TrendsParamsSerializer, scopes=trends_scopes)
    def get(self, request: Request) -> Response:
        params = TrendsParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        return Response(reports.get_trends(params.validated_data["days"]))


class PatternsView(SearchEngineErrorsMixin, APIView):
    """The most frequent message patterns, with counts, first and last seen, levels and an example."""

    @extend_schema(operation_id="listPatterns", parameters=[PatternsParamsSerializer],
                   responses={200: PatternsPageSerializer, 503: SEARCH_UNAVAILABLE})
    @cache_response(CacheType.ANALYTICS, shared=True, query_params=PatternsParamsSerializer, scopes=patterns_scopes)
    def get(self, request: Request) -> Response:
        params = PatternsParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        return Response(reports.list_patterns(params.to_criteria(), offset=params.validated_data["cursor"],
                                              size=params.validated_data["size"]))


class UploadView(SearchEngineErrorsMixin, APIView):
    """Upload a log file (multipart `file`, optional `product` slug): stored and queued, indexed by a worker.

    Answers 202 with the upload's URL (`Location`, and `url` in the body) without reading a line; follow it
    with GET /api/uploads/<id>. `?wait=<seconds>` waits that long for the job: 201 with the summary if it
    ended complete, the error if it failed (400 for a bad file), else still 202.
    """

    parser_classes = [MultiPartParser]  # the only body that carries a file: no form-encoded variant
    default_wait: float | None = None  # seconds waited when the request names none (the no-JavaScript page)

    @extend_schema(operation_id="uploadLog", request=UploadRequestSerializer, parameters=[UploadWaitSerializer],
                   responses={201: UploadJobSerializer, 202: UploadJobSerializer, 413: PAYLOAD_TOO_LARGE,
                              429: TOO_MANY_UPLOADS, 503: SEARCH_UNAVAILABLE, 507: ENGINE_FULL})
    def post(self, request: Request) -> Response:
        waiting = UploadWaitSerializer(data=request.query_params)
        waiting.is_valid(raise_exception=True)
        wait = waiting.validated_data.get("wait", self.default_wait)
        limit = dashboard_settings.UPLOAD_MAX_BYTES
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
        if declared > limit + 64 * 1024:
            raise PayloadTooLarge(f"The upload is {declared} bytes; the limit is {limit} bytes.")
        try:
            form = UploadRequestSerializer(data=request.data)
        except ParseError as exc:
            raise ValidationError({"file": [f"The multipart body could not be read: {exc.detail}"]}) from exc
        except UnsupportedMediaType as exc:
            # A JSON or text body, or a multipart type Django refuses (no or an over-long boundary): the
            # client sent the file the wrong way, which is bad input about `file`, not a media-type puzzle.
            sent = (request.content_type or "no content type").split(";")[0][:100]
            raise ValidationError({"file": [
                f"Send the log as multipart/form-data (with a boundary) in a part named `file`; this body was {sent!r}."
            ]}) from exc
        form.is_valid(raise_exception=True)
        uploaded = form.validated_data["file"]
        if uploaded.size > limit:
            raise PayloadTooLarge(f"file: {uploaded.name} is {uploaded.size} bytes; the limit is {limit} bytes.")
        if uploaded.size == 0:
            raise ValidationError({"file": ["The file is empty."]})
        product = form.validated_data.get("product")
        sweep_stale_uploads()
        check_engine_budget()  # the embedded engine already full: 507 now, not a failed job later
        try:
            upload = submit_upload(uploaded, filename=uploaded.name, size_bytes=uploaded.size,
                                   owner_id=request.user.pk, product_id=product.pk if product else None,
                                   requested_format=form.validated_data["format"],
                                   timezone=form.validated_data["timezone"])
        except TooManyUploads as exc:
            raise TooManyConcurrentUploads(str(exc)) from exc
        except BrokerUnavailable as exc:
            raise JobQueueUnavailable(str(exc)) from exc
        if wait:
            upload = wait_for_job(upload, min(wait, float(dashboard_settings.UPLOAD_MAX_WAIT_SECONDS)))
        body = UploadJobSerializer(upload, context={"request": request}).data
        if upload.status == Upload.Status.FAILED:
            _raise_job_failure(upload)
        code = status.HTTP_201_CREATED if upload.status == Upload.Status.COMPLETE else status.HTTP_202_ACCEPTED
        return Response(body, status=code, headers={"Location": body["url"]})


def _raise_job_failure(upload: Upload) -> None:
    """A job waited for that failed: a bad file is the uploader's 400, our own bug a 500, else a 503 saying why."""
    if upload.error_code == "invalid_file":
        raise ValidationError({"file": [upload.error]})
    if upload.error_code in ("internal", "search_refused"):
        raise JobBroke(upload.error, code=upload.error_code)
    if upload.error_code == "engine_full":
        raise EngineFull(upload.error)
    raise JobFailed(upload.error or "The upload failed.")


class JobQueueUnavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "queue_unavailable"
    default_detail = "The job queue is unreachable; upload the file again in a moment."


class JobBroke(APIException):
    status_code = status.HTTP_500_INTERNAL_SERVER_ERROR
    default_code = "internal_error"
    default_detail = "Ingestion failed on an unexpected error; it has been logged."


class JobFailed(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "search_unavailable"
    default_detail = "The upload failed."


@extend_schema_view(get=extend_schema(operation_id="getUpload"))
class UploadDetailView(generics.RetrieveAPIView):
    """One upload and its job's progress: status, bytes and lines read, lines indexed, percent and rate."""

    serializer_class = UploadJobSerializer
    queryset = Upload.objects.select_related("owner", "product")


@extend_schema_view(get=extend_schema(operation_id="listUploads"))
class UploadListView(generics.ListAPIView):
    """The uploaded files, newest first, with their line counts and status (50 a page, `size` up to 200)."""

    serializer_class = UploadSerializer
    queryset = Upload.objects.select_related("owner", "product")
    pagination_class = NewestFirst


class UserProfileView(PrivateAnswerMixin, APIView):
    """A user's profile and upload statistics: that user or staff."""

    permission_classes = [IsSelfOrStaff]

    @extend_schema(operation_id="getUserProfile", responses=UserProfileSerializer)
    @cache_response(CacheType.USER, key_func=profile_key, scopes=profile_scopes, query_params=())
    def get(self, request: Request, user_id: int) -> Response:
        user = get_object_or_404(get_user_model(), pk=user_id)
        stats = user.uploads.aggregate(
            uploads=Count("id"),
            complete=Count("id", filter=Q(status=Upload.Status.COMPLETE)),
            failed=Count("id", filter=Q(status=Upload.Status.FAILED)),
            lines_indexed=Sum("lines_indexed", filter=Q(status=Upload.Status.COMPLETE), default=0),
        )
        last = user.uploads.first()
        return Response({
            "id": user.pk,
            "username": user.get_username(),
            "email": user.email,
            "is_staff": user.is_staff,
            "date_joined": user.date_joined.isoformat(),
            "upload_stats": {**stats, "last_upload_at": last.created_at.isoformat() if last else None},
        })


class CurrentUserView(PrivateAnswerMixin, APIView):
    """Who the credentials belong to: id, username, email and whether staff controls apply."""

    @extend_schema(operation_id="getCurrentUser", responses=CurrentUserSerializer)
    @cache_response(CacheType.USER, key_func=current_user_key, scopes=own_scopes, query_params=())
    def get(self, request: Request) -> Response:
        return Response(CurrentUserSerializer(request.user).data)


class UserDashboardView(SearchEngineErrorsMixin, PrivateAnswerMixin, APIView):
    """The KPIs over the caller's own uploads only."""

    @extend_schema(operation_id="getUserDashboard", responses={200: DashboardSerializer, 503: SEARCH_UNAVAILABLE})
    @cache_response(CacheType.USER, key_func=user_dashboard_key, scopes=own_scopes, query_params=())
    def get(self, request: Request) -> Response:
        return Response(reports.get_dashboard(owner_id=request.user.pk))


def _crud_operation_ids(one: str, many: str) -> dict:
    """operationIds for a model viewset's actions: listProducts, createProduct, getProduct..."""
    names = {"list": f"list{many}", "create": f"create{one}", "retrieve": f"get{one}", "update": f"update{one}",
             "partial_update": f"patch{one}", "destroy": f"delete{one}"}
    return {action: extend_schema(operation_id=name) for action, name in names.items()}


@extend_schema_view(**_crud_operation_ids("Product", "Products"))
class ProductViewSet(viewsets.ModelViewSet):
    """The applications whose logs are ingested: authenticated users read, staff write."""

    queryset = Product.objects.all()
    serializer_class = ProductSerializer
    permission_classes = [ReadAuthenticatedWriteStaff]
    pagination_class = ByName

    @cache_response(CacheType.PRODUCT, shared=True, query_params=("cursor", "size"))
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    @cache_response(CacheType.PRODUCT, shared=True, query_params=())
    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        return super().retrieve(request, *args, **kwargs)


@extend_schema_view(**_crud_operation_ids("LogFormat", "LogFormats"))
class LogFormatViewSet(viewsets.ModelViewSet):
    """
    Declared log formats: authenticated users read, staff write. A format that does not compile
    or does not read its own example line is refused with a 400 naming the reason.
    """

    queryset = LogFormat.objects.all()
    serializer_class = LogFormatSerializer
    permission_classes = [ReadAuthenticatedWriteStaff]
    pagination_class = ByName
