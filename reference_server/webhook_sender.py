"""The worker's side of webhooks: deliver one queued event, signed with the receiver's webhook
key (read at each delivery, so a rotated key applies to the retries), until a 2xx."""

from __future__ import annotations

import json
import logging

from contract.webhooks import EVENT_MODELS, EventType
from reference_server import outbox
from reference_server.outbox import Job, RetryLater
from reference_server.partner_api import PartnerApi, PartnerCallError
from reference_server.partners import webhook_key
from reference_server.runtime import Runtime
from reference_server.storage.db import transaction
from reference_server.storage.tables import Partner

log = logging.getLogger("prakerja.webhooks")


class Sender:
    """The outbox handler of webhook jobs."""

    def __init__(self, runtime: Runtime, api: PartnerApi) -> None:
        self.runtime = runtime
        self.api = api

    def __call__(self, job: Job) -> None:
        payload = json.loads(job.payload or "{}")
        with transaction(self.runtime.sessions) as session:
            partner = session.get(Partner, int(payload.get("partner_id", 0)))
            if partner is None or not partner.webhook_url or not partner.active:
                log.warning("webhook %s dropped: its partner has no webhook URL now", job.ref)
                return
            url, code = partner.webhook_url, partner.client_code
            key = webhook_key(session, self.runtime.keys, partner)
        event = EVENT_MODELS[EventType(payload["event"]["event_type"])].model_validate(
            payload["event"]
        )
        delay = outbox.backoff_seconds(
            job.attempts,
            self.runtime.settings.retry_base_seconds,
            self.runtime.settings.retry_max_seconds,
        )
        try:
            response = self.api.signed_post(url, code, key, event)
        except PartnerCallError as exc:
            raise RetryLater(delay, f"transient: {exc}") from None
        if not 200 <= response.status_code < 300:
            raise RetryLater(delay, f"webhook answered HTTP {response.status_code}")
