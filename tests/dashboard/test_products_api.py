"""/api/products: authenticated users read, staff write, and every write invalidates products and analytics."""

import pytest

from dashboard.models import Product

pytestmark = pytest.mark.django_db


def test_authenticated_users_list_and_read_products(api, product):
    listing = api.get("/api/products")
    assert listing.status_code == 200
    assert [item["slug"] for item in listing.json()["results"]] == ["billing"]
    detail = api.get(f"/api/products/{product.pk}")
    assert detail.json()["owner_team"] == "payments"
    assert detail["X-Cache-Key"].startswith("cache:product:")


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [("post", "/api/products", {"name": "Search", "slug": "search"}),
     ("patch", "/api/products/{pk}", {"description": "x"}),
     ("put", "/api/products/{pk}", {"name": "B", "slug": "b"}),
     ("delete", "/api/products/{pk}", None)],
)
def test_only_staff_writes(client_for, user, staff, product, method, path, data):
    url = path.format(pk=product.pk)
    assert getattr(client_for(None), method)(url, data, format="json").status_code == 401
    assert getattr(client_for(user), method)(url, data, format="json").status_code == 403
    assert getattr(client_for(staff), method)(url, data, format="json").status_code in (200, 201, 204)


def test_a_bad_product_is_a_400_naming_the_field(client_for, staff, product):
    response = client_for(staff).post("/api/products", {"name": "Other", "slug": "billing"}, format="json")
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["slug"]
    assert client_for(staff).post("/api/products", {"name": "X", "slug": "not a slug"},
                                  format="json").json()["fields"].keys() == {"slug"}


@pytest.mark.django_db(transaction=True)
def test_writes_invalidate_products_and_analytics_after_commit(client_for, staff, search_engine):
    product = Product.objects.create(name="Billing", slug="billing")
    reader = client_for(staff)
    for path in ("/api/products", f"/api/products/{product.pk}", "/api/analytics/trends"):
        reader.get(path)
        assert reader.get(path)["X-Cache"] == "HIT"
    assert reader.patch(f"/api/products/{product.pk}", {"name": "Invoices"}, format="json").status_code == 200
    for path in ("/api/products", f"/api/products/{product.pk}", "/api/analytics/trends"):
        assert reader.get(path)["X-Cache"] == "MISS", path
    assert reader.get("/api/products").json()["results"][0]["name"] == "Invoices"


def test_a_rolled_back_write_invalidates_nothing(client_for, user, product, django_capture_on_commit_callbacks):
    reader = client_for(user)
    reader.get("/api/products")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        product.save()
    assert len(callbacks) == 1  # deferred to the commit, which this test never makes
    assert reader.get("/api/products")["X-Cache"] == "HIT"
