"""An LP reports a finished participant's pre-test and post-test scores and the certificate it
issued: once per redeem code, only for codes of its own courses, only after the post-test."""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from contract import errors as err
from contract.attendance import POST_TEST_SEQUENCE
from contract.catalogue import ResultRequest, TrainingResultData
from contract.errors import ApiError
from reference_server import audit
from reference_server.domain import reviews as rules
from reference_server.runtime import PartnerIdentity, Runtime
from reference_server.services.attendance import find_code, verified_stages
from reference_server.services.payments import iso_utc
from reference_server.storage.db import transaction
from reference_server.storage.tables import TrainingResult, utcnow


def report(runtime: Runtime, lp: PartnerIdentity, body: ResultRequest) -> TrainingResultData:
    """Record the scores (and certificate) of one of the LP's finished redeem codes."""
    now = utcnow()
    with transaction(runtime.sessions) as session:
        owned = find_code(session, lp.id, body.redeem_code, lock=True)
        reported = bool(
            session.scalar(select(exists().where(TrainingResult.redeem_code_id == owned.code.id)))
        )
        done = POST_TEST_SEQUENCE in verified_stages(session, owned.code.id)
        rules.check_reportable(owned.voided, done, reported)
        if body.certificate_number is not None and session.scalar(
            select(
                exists().where(
                    TrainingResult.lp_id == lp.id,
                    TrainingResult.certificate_number == body.certificate_number,
                )
            )
        ):
            raise ApiError(err.CERTIFICATE_NUMBER_TAKEN)
        result = TrainingResult(
            redeem_code_id=owned.code.id,
            course_id=owned.course.id,
            lp_id=lp.id,
            pre_test=body.pre_test,
            post_test=body.post_test,
            certificate_number=body.certificate_number,
            certificate_url=body.certificate_url,
            reported_at=now,
        )
        try:
            with session.begin_nested():
                session.add(result)
        except IntegrityError:
            # The code's row lock serialises reports of one code: a clash is another code's report
            # of the same certificate number, committed meanwhile.
            raise ApiError(
                err.CERTIFICATE_NUMBER_TAKEN if body.certificate_number else err.RESULT_EXISTS
            ) from None
        audit.record(
            session,
            "redeem_code",
            owned.code.code,
            "result_reported",
            lp.client_code,
            pre_test=body.pre_test,
            post_test=body.post_test,
            certificate=body.certificate_number is not None,
        )
        return TrainingResultData(
            redeem_code=owned.code.code,
            course_code=owned.course.course_code,
            pre_test=result.pre_test,
            post_test=result.post_test,
            certificate_number=result.certificate_number,
            certificate_url=result.certificate_url,
            reported_at=iso_utc(now),
        )
