"""``GET /metrics``: the server's own metrics in Prometheus text format (``contract.metrics``)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from contract import metrics as names
from reference_server import metrics
from reference_server.auth import RuntimeDep

router = APIRouter(tags=["health"])


@router.get(
    names.METRICS_PATH,
    summary="Metrics (Prometheus text format)",
    description="Requests, latencies, outbox queue depth and database pool, summed over every "
    "worker process of the server. No signature, like `/health`; names in `contract.metrics`.",
    response_class=Response,
    responses={200: {"content": {names.CONTENT_TYPE: {"schema": {"type": "string"}}}}},
)
def metrics_view(runtime: RuntimeDep) -> Response:
    """Every metric, scraped now."""
    return Response(metrics.exposition(runtime.reads), media_type=names.CONTENT_TYPE)
