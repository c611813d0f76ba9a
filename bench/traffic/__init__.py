"""
`make bench-traffic`: a compressed day of the Angular client's traffic, replayed twice against the
whole stack (gunicorn, Redis, the search engine), once cached and once with the cache unreachable,
counting what reaches the search engine.

- `model`: the traffic model and the seeded trace it produces (the same trace for both replays).
- `stack`: the processes: the engine behind a counting proxy, Redis, the database, gunicorn.
- `replay`: plays a trace against a running stack, one thread per simulated actor.
- `ideal`: the ceiling: the recorded requests through a model cache that never invalidates.
- `report`: the table, each goal marked met or not, and `bench/results/traffic.json`.
"""
