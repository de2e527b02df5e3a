"""The programme office's curation, simulated: every pending course assessed on the entry
indicators, most approved, some rejected with reasons, over the signed PMO surface.

Scores are seeded per course code: a course the office rejects gets a critical indicator below
the minimum (so the rejection carries that indicator as its reason), the rest score well.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from contract.catalogue import IndicatorsData, IndicatorSet, SubmissionListData
from contract.endpoints import ASSESS, INDICATORS, PENDING_SUBMISSIONS
from simulators.wave.driver import Office
from simulators.wave.http import data

REJECT_SHARE = 0.1
MAX_ROUNDS = 100


@dataclass(frozen=True)
class CurationResult:
    """What one round of curation decided."""

    approved: int
    rejected: int


def _draw(course_code: str, salt: str) -> float:
    digest = hashlib.sha256(f"curation:{salt}:{course_code}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def scores_for(course_code: str, indicators: IndicatorSet, reject: bool) -> dict[str, int]:
    """Good scores (the top two of the scale), or, for a rejection, one critical indicator
    under the minimum."""
    top = indicators.score_max
    scores = {
        i.id: top - (1 if _draw(course_code, i.id) < 0.3 else 0) for i in indicators.indicators
    }
    if reject:
        critical = [i for i in indicators.indicators if i.critical]
        failed = critical[int(_draw(course_code, "which") * len(critical))]
        scores[failed.id] = max(indicators.score_min, indicators.critical_minimum - 1)
    return scores


async def curate_pending(office: Office, reject_share: float = REJECT_SHARE) -> CurationResult:
    """Assess every pending submission once (entry indicators); the tally."""
    sets = IndicatorsData.model_validate(data(await office.api.call("GET", INDICATORS.path)))
    approved = rejected = 0
    for _ in range(MAX_ROUNDS):
        pending = SubmissionListData.model_validate(
            await office.post(PENDING_SUBMISSIONS.path, {"page": 1, "per_page": 50})
        )
        if not pending.submissions:
            break
        for submission in pending.submissions:
            reject = _draw(submission.course_code, "reject") < reject_share
            body = {
                "course_code": submission.course_code,
                "kind": "entry",
                "scores": scores_for(submission.course_code, sets.entry, reject),
                "summary": "Perlu perbaikan materi." if reject else "Layak masuk katalog.",
            }
            result = await office.post(ASSESS.path, body)
            if result["assessment"]["passed"]:
                approved += 1
            else:
                rejected += 1
    return CurationResult(approved, rejected)
