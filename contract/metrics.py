"""The server's own metrics at ``GET /metrics``: Prometheus text format, names and labels.

The reference server exports them (summed over every uvicorn worker process); the load tests
scrape them during a run and put them in their report. Both read the names from here.

| metric | type | labels | what |
|---|---|---|---|
| ``prakerja_http_requests_total`` | counter | method, route, status | answered requests; ``route`` is the path template (``/verifikasi/{token}``), never the URL |
| ``prakerja_http_request_duration_seconds`` | histogram | method, route | time from request to response, in the server |
| ``prakerja_http_requests_in_progress`` | gauge | | requests being served now, all processes |
| ``prakerja_server_processes`` | gauge | | server processes alive (uvicorn workers) |
| ``prakerja_server_cpu_seconds`` | gauge | | CPU time the live server processes have used (every thread: requests and the inline outbox worker); its rise over a run divided by the journeys done is the server's CPU cost of one |
| ``prakerja_outbox_jobs`` | gauge | status (pending, running) | the outbox queue's depth, read from the database at scrape time |
| ``prakerja_outbox_oldest_pending_seconds`` | gauge | | age of the oldest due pending job (0 when none) |
| ``prakerja_db_pool_checked_out`` | gauge | | database connections in use, all processes |
| ``prakerja_db_pool_connections`` | gauge | | database connections open, all processes |
| ``prakerja_db_pool_capacity`` | gauge | | connections the pools may open (size + overflow), all processes |
"""

from __future__ import annotations

REQUESTS = "prakerja_http_requests"  # exposed as prakerja_http_requests_total
REQUEST_SECONDS = "prakerja_http_request_duration_seconds"
IN_PROGRESS = "prakerja_http_requests_in_progress"
PROCESSES = "prakerja_server_processes"
CPU_SECONDS = "prakerja_server_cpu_seconds"
OUTBOX_JOBS = "prakerja_outbox_jobs"
OUTBOX_OLDEST_SECONDS = "prakerja_outbox_oldest_pending_seconds"
DB_POOL_CHECKED_OUT = "prakerja_db_pool_checked_out"
DB_POOL_CONNECTIONS = "prakerja_db_pool_connections"
DB_POOL_CAPACITY = "prakerja_db_pool_capacity"

# Latency buckets (seconds); 0.3 is there because the capacity target is p99 <= 300 ms.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 5.0, 10.0)
UNMATCHED_ROUTE = "<unmatched>"  # every unknown path under one label: bounded cardinality
METRICS_PATH = "/metrics"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
