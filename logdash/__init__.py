"""logdash: a log-analytics API whose expensive reads are served from a Redis response cache."""
