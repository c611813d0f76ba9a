"""
`make bench`: how fast a cache hit is, measured against a floor in the same run.

Run `python -m bench` (what `make bench` does). Results go to bench/results/ as JSON and
Markdown. Sections: in-process latency, HTTP throughput through gunicorn, a cold-key stampede,
invalidation of a type holding 1,000,000 keys, and compression of the real payloads.
"""
