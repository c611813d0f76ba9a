"""The logs app: ingestion, Elasticsearch documents and queries, and the KPI, search and analytics APIs."""
