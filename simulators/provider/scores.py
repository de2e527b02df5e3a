"""Pre-test and post-test scores, and who earns a certificate: the programme's numbers, seeded.

The programme reports a pre-test average of 53/100, a post-test average of 68/100, and that 76%
of participants earn a certificate with a post-test above 60. Scores here are normal around
those means, the post-test correlated with the pre-test (a participant who knew more learns to
more), rounded and kept within 0-100; the post-test's spread is chosen so that 76% score above
60. Each participant's pair is drawn from its own stream (seed and redeem code), so the numbers
do not depend on the order in which participants arrive.
"""

from __future__ import annotations

import math
import random

PRE_MEAN, PRE_SD = 53.0, 12.0
POST_MEAN = 68.0
CERTIFICATE_ABOVE = 60
CERTIFIED_SHARE = 0.76
_Z_CERTIFIED = -0.7063  # P(Z > -0.7063) = 0.76
# A post-test of 61 or more (> 60 after rounding) is a certificate: 60.5 sits at that quantile.
POST_SD = (CERTIFICATE_ABOVE + 0.5 - POST_MEAN) / _Z_CERTIFIED
CORRELATION = 0.5


def _clip(value: float) -> int:
    return max(0, min(100, round(value)))


def scores(seed: int, participant: str) -> tuple[int, int]:
    """The (pre-test, post-test) scores, 0-100, of one participant of one course."""
    rng = random.Random(f"{seed}:{participant}:scores")
    pre_z, own_z = rng.gauss(0.0, 1.0), rng.gauss(0.0, 1.0)
    post_z = CORRELATION * pre_z + math.sqrt(1.0 - CORRELATION**2) * own_z
    return _clip(PRE_MEAN + PRE_SD * pre_z), _clip(POST_MEAN + POST_SD * post_z)


def earns_certificate(post_test: int) -> bool:
    """A certificate goes with a post-test above 60."""
    return post_test > CERTIFICATE_ABOVE
