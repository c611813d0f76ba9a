"""A reusable Redis response cache for Django and DRF views."""
