"""Uploads and products in the admin: listed with their counts, in a fixed number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboard.models import Product, Upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "root@localhost", "pw"))
    return client


def _uploads(product, *line_counts, status=Upload.Status.COMPLETE):
    for lines in line_counts:
        Upload.objects.create(filename="a.log", product=product, status=status, lines_read=lines, lines_indexed=lines)


def test_products_show_their_uploads_and_lines(admin_client):
    billing = Product.objects.create(name="Billing", slug="billing")
    _uploads(billing, 100, 20)
    _uploads(billing, 7, status=Upload.Status.FAILED)
    Product.objects.create(name="Search", slug="search")
    page = admin_client.get("/admin/dashboard/product/")
    rows = {product.name: (product.upload_total, product.lines_total) for product in page.context["cl"].result_list}
    assert rows == {"Billing": (3, 120), "Search": (0, None)}
    html = page.content.decode()
    assert '<td class="field-upload_count">3</td>' in html and '<td class="field-lines_indexed">120</td>' in html


def test_the_product_list_does_not_query_per_row(admin_client):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get("/admin/dashboard/product/").status_code == 200
        return len(captured)

    _uploads(Product.objects.create(name="P0", slug="p0"), 1)
    few = queries()
    for n in range(1, 6):
        _uploads(Product.objects.create(name=f"P{n}", slug=f"p{n}"), 1, 2)
    assert queries() == few


def test_uploads_list_their_line_counts(admin_client, django_user_model):
    owner = django_user_model.objects.create_user("alice")
    Upload.objects.create(filename="x.log", owner=owner, status=Upload.Status.COMPLETE, lines_read=12,
                          lines_indexed=12, lines_unparsed=3)
    html = admin_client.get("/admin/dashboard/upload/").content.decode()
    assert "x.log" in html and '<td class="field-lines_unparsed">3</td>' in html


def test_the_admin_lists_running_jobs_with_their_progress(admin_client):
    Upload.objects.create(filename="done.log", status=Upload.Status.COMPLETE, size_bytes=10, bytes_read=10)
    Upload.objects.create(filename="waiting.log", status=Upload.Status.QUEUED, size_bytes=10)
    Upload.objects.create(filename="reading.log", status=Upload.Status.PROCESSING, size_bytes=200, bytes_read=50)
    html = admin_client.get("/admin/dashboard/upload/?job=running").content.decode()
    assert "waiting.log" in html and "reading.log" in html and "done.log" not in html
    assert '<td class="field-progress">25 %</td>' in html
