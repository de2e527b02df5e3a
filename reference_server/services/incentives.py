"""The card holder's side of incentives: link an account, see the schedule, answer surveys.

Linking is two calls. ``link``: the holder names a payment partner, the account type and number;
an e-wallet must be on the phone registered with Prakerja (checked before the partner hears of
it); the partner's account inquiry must say the account exists, is ``ACTIVE``, ``VERIFIED`` and of
the holder's NIK. Only then is a link written (PENDING_OTP) and an OTP texted to the holder's
phone, in one transaction. ``confirm``: the OTP (single use, 5 minutes, three tries) makes the
link ACTIVE and ends the earlier one (REPLACED); in the same transaction the schedule starts if
the other conditions are met, and what is due is queued — so the first payment is on its way
the moment the last condition is met by linking.

The NIK goes to the partner in the inquiry body and nowhere else; the partner's answer is kept
as holder name and KYC level only.
"""

from __future__ import annotations

import hmac
import json
import secrets

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from contract import errors as err
from contract.endpoints import Role
from contract.errors import ApiError, ErrorCode
from contract.incentives import (
    ConfirmLinkRequest,
    DisbursementView,
    IncentiveConditions,
    IncentivesData,
    LinkAccountRequest,
    LinkData,
    LinkStatus,
    PaymentPartnersData,
    PaymentPartnerView,
    PayoutState,
    QuestionKind,
    StepStatus,
    SurveyAnswerData,
    SurveyAnswerRequest,
    SurveyQuestion,
    SurveysData,
    SurveyView,
)
from contract.payouts import (
    PP_ACCOUNT_NOT_FOUND,
    PP_TYPE_NOT_SUPPORTED,
    AccountInquiryData,
    AccountInquiryRequest,
    AccountStatus,
    AccountType,
    KycLevel,
)
from contract.registration import Stage
from reference_server import audit, ratelimit
from reference_server.domain import incentives as rules
from reference_server.domain import otp, surveys
from reference_server.domain.people import mask_phone
from reference_server.domain.ratelimit import Limit
from reference_server.domain.schemes import Scheme
from reference_server.partner_api import PartnerApi, PartnerCallError, PartnerRefused, Target
from reference_server.runtime import Runtime
from reference_server.services import payouts
from reference_server.services.incentive_view import schedule
from reference_server.services.payments import iso_utc
from reference_server.services.registration import AccountRef
from reference_server.storage.db import transaction
from reference_server.storage.tables import (
    Applicant,
    Beneficiary,
    Card,
    Disbursement,
    IncentiveStep,
    Partner,
    PayoutLink,
    SmsMessage,
    SurveyAnswer,
    utcnow,
)

ACTOR = "beneficiary"
SMS_PURPOSE = "incentive-link"
REFUSALS: dict[str, ErrorCode] = {
    PP_ACCOUNT_NOT_FOUND.code: err.INC_ACCOUNT_NOT_FOUND,
    PP_TYPE_NOT_SUPPORTED.code: err.INC_TYPE_NOT_SUPPORTED,
}


def holder(
    session: Session, account: AccountRef, *, active: bool = True
) -> tuple[Card, Beneficiary]:
    """The applicant's card and its beneficiary row; ERRINC40301 without one (or, with
    ``active``, when the card is not active)."""
    applicant = session.scalars(select(Applicant).where(Applicant.account_id == account.id)).one()
    if applicant.nik is None or applicant.stage not in (Stage.BENEFICIARY, Stage.REVOKED):
        raise ApiError(err.INC_NOT_BENEFICIARY)
    row = session.execute(
        select(Card, Beneficiary)
        .join(Beneficiary, Beneficiary.id == Card.beneficiary_id)
        .where(Beneficiary.nik == applicant.nik)
        .order_by(Card.created_at.desc())
        .limit(1)
    ).first()
    if row is None or (active and row[0].status != "active"):
        raise ApiError(err.INC_NOT_BENEFICIARY)
    return row[0], row[1]


def _scheme(card: Card) -> Scheme:
    scheme = payouts.scheme_of(card)
    if scheme is None:
        raise ApiError(err.INC_NOT_BENEFICIARY, f"(unknown scheme {card.scheme})")
    return scheme


def _link_data(link: PayoutLink, partner: Partner, phone: str | None = None) -> LinkData:
    pending = link.status == LinkStatus.PENDING_OTP.value
    return LinkData(
        link_id=link.link_id,
        status=LinkStatus(link.status),
        partner_code=partner.client_code,
        partner_name=partner.name,
        account_type=AccountType(link.account_type),
        account_number=rules.mask_account(link.account_number),
        holder_name=rules.mask_name(link.holder_name),
        otp_sent_to=mask_phone(phone) if pending and phone else None,
        otp_expired_at=iso_utc(link.otp_expires_at) if pending and link.otp_expires_at else None,
        linked_at=iso_utc(link.linked_at) if link.linked_at else None,
    )


# --- partners and linking ----------------------------------------------------------------------


def payment_partners(runtime: Runtime) -> PaymentPartnersData:
    """The payment partners an account can be linked with (active, with an API)."""
    with runtime.reads() as session:
        rows = session.execute(
            select(Partner.client_code, Partner.name)
            .where(
                Partner.role == Role.PP.value,
                Partner.active.is_(True),
                Partner.base_url.is_not(None),
            )
            .order_by(Partner.name)
        ).all()
    return PaymentPartnersData(
        partners=[PaymentPartnerView(partner_code=code, name=name) for code, name in rows]
    )


def _inquire(api: PartnerApi, target: Target, request: AccountInquiryRequest) -> AccountInquiryData:
    try:
        answer = api.inquiry(target, request)
    except PartnerRefused as exc:
        raise ApiError(REFUSALS.get(exc.code, err.INC_PARTNER_UNAVAILABLE)) from None
    except PartnerCallError:
        raise ApiError(err.INC_PARTNER_UNAVAILABLE) from None
    if (answer.account_type, answer.account_number) != (
        request.account_type,
        request.account_number,
    ):
        raise ApiError(err.INC_PARTNER_UNAVAILABLE, "(the answer is about another account)")
    return answer


def link(
    runtime: Runtime, api: PartnerApi, account: AccountRef, body: LinkAccountRequest
) -> LinkData:
    """Ask the partner about the account, and text an OTP to the holder if it qualifies."""
    settings = runtime.settings
    with transaction(runtime.sessions) as session:
        card, person = holder(session, account)
        partner = payouts.pp_partner(session, body.partner_code)
        if body.account_type is AccountType.EWALLET and body.account_number != person.phone_number:
            raise ApiError(err.INC_EWALLET_PHONE)
        current = payouts.active_link(session, card.id)
        if current is not None and (current.partner_id, current.account_number) == (
            partner.id,
            body.account_number,
        ):
            raise ApiError(err.INC_ALREADY_LINKED)
        target = payouts.target_of(session, runtime.keys, partner.id)
        if target is None:
            raise ApiError(err.INC_PARTNER_NOT_FOUND)
        card_id, nik, phone = card.id, person.nik, person.phone_number
        card_number = card.card_number
    request = AccountInquiryRequest(
        account_type=body.account_type, account_number=body.account_number, nik=nik
    )
    answer = _inquire(api, target, request)  # outside any transaction: a partner may be slow
    if answer.kyc_level is not KycLevel.VERIFIED:
        raise ApiError(err.INC_KYC_NOT_VERIFIED)
    if not answer.nik_match:
        raise ApiError(err.INC_NIK_MISMATCH)
    if answer.account_status is not AccountStatus.ACTIVE:
        raise ApiError(err.INC_ACCOUNT_BLOCKED)
    now = utcnow()
    code = otp.new_otp()
    with transaction(runtime.sessions) as session:
        refused = ratelimit.count_in(
            session,
            (Limit.PHONE, phone, settings.rate_per_phone),
            window=settings.rate_window_seconds,
        )
        if refused is None:
            session.execute(
                update(PayoutLink)
                .where(
                    PayoutLink.card_id == card_id, PayoutLink.status == LinkStatus.PENDING_OTP.value
                )
                .values(status=LinkStatus.EXPIRED.value, ended_at=now, otp_hash=None)
            )
            row = PayoutLink(
                link_id="LNK-" + secrets.token_hex(8).upper(),
                card_id=card_id,
                partner_id=partner.id,
                account_type=body.account_type.value,
                account_number=body.account_number,
                holder_name=answer.holder_name,
                kyc_level=answer.kyc_level.value,
                status=LinkStatus.PENDING_OTP.value,
                otp_hash=otp.digest(code),
                otp_attempts=0,
                otp_expires_at=otp.expiry(now, settings.otp_ttl_seconds),
                created_at=now,
            )
            session.add(row)
            session.add(
                SmsMessage(
                    phone_number=phone,
                    prakerja_id=card_number,
                    purpose=SMS_PURPOSE,
                    text=(
                        f"Kode OTP penautan rekening {partner.name} untuk insentif Kartu Prakerja: "
                        f"{code}. JANGAN berikan kode ini kepada siapa pun."
                    ),
                    otp=code,
                    sent_at=now,
                )
            )
            session.flush()
            audit.record(
                session, "card", card_number, "link_requested", ACTOR, partner=partner.client_code
            )
            data = _link_data(row, partner, phone)
    if refused is not None:
        raise refused
    return data


def confirm(runtime: Runtime, account: AccountRef, body: ConfirmLinkRequest) -> LinkData:
    """The texted OTP makes the link ACTIVE; incentives start if every condition is now met."""
    settings = runtime.settings
    now = utcnow()
    failure: ErrorCode | None = None
    try:
        with transaction(runtime.sessions) as session:
            card, person = holder(session, account)
            row = session.scalar(
                select(PayoutLink)
                .where(PayoutLink.link_id == body.link_id, PayoutLink.card_id == card.id)
                .with_for_update()
            )
            if row is None or row.status != LinkStatus.PENDING_OTP.value or row.otp_hash is None:
                raise ApiError(err.INC_LINK_NOT_PENDING)
            if row.otp_expires_at is None or now >= row.otp_expires_at:
                row.status, row.ended_at, row.otp_hash = LinkStatus.EXPIRED.value, now, None
                failure = err.INC_LINK_NOT_PENDING
            elif not hmac.compare_digest(otp.digest(body.otp), row.otp_hash):
                row.otp_attempts += 1
                if row.otp_attempts >= settings.otp_max_attempts:
                    row.status, row.ended_at, row.otp_hash = LinkStatus.EXPIRED.value, now, None
                failure = err.INC_LINK_OTP_WRONG
            else:
                session.execute(
                    update(PayoutLink)
                    .where(
                        PayoutLink.card_id == card.id, PayoutLink.status == LinkStatus.ACTIVE.value
                    )
                    .values(status=LinkStatus.REPLACED.value, ended_at=now)
                )
                row.status, row.linked_at, row.otp_hash = LinkStatus.ACTIVE.value, now, None
                session.flush()  # one ACTIVE link per card (partial unique index)
                partner = session.get_one(Partner, row.partner_id)
                audit.record(
                    session, "card", card.card_number, "linked", ACTOR, partner=partner.client_code
                )
                payouts.enrol_if_eligible(session, card, now)
                payouts.disburse_due(session, now, now, card_id=card.id)
                data = _link_data(row, partner, person.phone_number)
    except IntegrityError:  # two confirmations of two links raced: the other one won
        raise ApiError(err.INC_LINK_NOT_PENDING) from None
    if failure is not None:
        raise ApiError(failure)  # the counted attempt or the expiry was committed above
    return data


# --- schedule and history ----------------------------------------------------------------------


def history(session: Session, card: Card) -> list[DisbursementView]:
    """Every disbursement of the card, newest first."""
    rows = session.execute(
        select(Disbursement, IncentiveStep.kind, IncentiveStep.step, Partner.client_code)
        .join(IncentiveStep, IncentiveStep.id == Disbursement.step_id)
        .join(Partner, Partner.id == Disbursement.partner_id)
        .where(Disbursement.card_id == card.id)
        .order_by(Disbursement.id.desc())
    ).all()
    return [
        DisbursementView(
            disbursement_id=d.disbursement_id,
            kind=kind,
            step=step,
            amount=d.amount,
            status=PayoutState(d.state),
            partner_code=code,
            account_number=rules.mask_account(d.account_number),
            created_at=iso_utc(d.created_at),
            paid_at=iso_utc(d.final_at)
            if d.final_at and d.state == PayoutState.PAID.value
            else None,
            failure_code=d.failure_code,
        )
        for d, kind, step, code in rows
    ]


def incentives_view(runtime: Runtime, account: AccountRef) -> IncentivesData:
    """Conditions, the linked account, the schedule and every disbursement."""
    with runtime.reads() as session:
        card, _ = holder(session, account, active=False)
        scheme = _scheme(card)
        met = payouts.conditions(session, card)
        current = payouts.active_link(session, card.id)
        partner = session.get(Partner, current.partner_id) if current else None
        steps = schedule(session, card, scheme)
        made = history(session, card)
    return IncentivesData(
        scheme=scheme.name,
        eligible=met.met,
        conditions=IncentiveConditions(
            training_completed=met.training_completed,
            reviewed=met.reviewed,
            account_linked=met.account_linked,
        ),
        account=_link_data(current, partner) if current and partner else None,
        schedule=steps,
        history=made,
        total_paid=sum(d.amount for d in made if d.status is PayoutState.PAID),
    )


# --- surveys -------------------------------------------------------------------------------------


def _paid_incentives(session: Session, card_id: int) -> set[int]:
    return set(
        session.scalars(
            select(IncentiveStep.step).where(
                IncentiveStep.card_id == card_id,
                IncentiveStep.kind == rules.INCENTIVE,
                IncentiveStep.status == StepStatus.PAID.value,
            )
        )
    )


def surveys_view(runtime: Runtime, account: AccountRef) -> SurveysData:
    """The scheme's surveys: locked until their incentive is paid, open, or answered."""
    with runtime.reads() as session:
        card, _ = holder(session, account, active=False)
        scheme = _scheme(card)
        paid = _paid_incentives(session, card.id)
        answered = set(
            session.scalars(select(SurveyAnswer.survey_code).where(SurveyAnswer.card_id == card.id))
        )
        payments = {
            s.step: StepStatus(s.status)
            for s in session.scalars(
                select(IncentiveStep).where(
                    IncentiveStep.card_id == card.id, IncentiveStep.kind == rules.SURVEY
                )
            )
        }
    views = []
    for survey in surveys.surveys_of(scheme.name):
        status = (
            "answered"
            if survey.code in answered
            else "open"
            if survey.after_incentive in paid
            else "locked"
        )
        views.append(
            SurveyView(
                survey_code=survey.code,
                step=survey.step,
                title=survey.title,
                status=status,
                opens_after=rules.condition_text(
                    rules.SURVEY, survey.step, scheme, survey.after_incentive
                ),
                amount=scheme.survey_amount,
                payment=payments.get(survey.step),
                questions=[
                    SurveyQuestion(
                        question_id=q.id,
                        text=q.text,
                        kind=QuestionKind(q.kind),
                        options=list(q.options) if q.options else None,
                    )
                    for q in survey.questions
                ],
            )
        )
    return SurveysData(surveys=views)


def answer_survey(
    runtime: Runtime, account: AccountRef, body: SurveyAnswerRequest
) -> SurveyAnswerData:
    """Store the answers once; the survey's payment is owed from now (and queued if linked)."""
    now = utcnow()
    try:
        with transaction(runtime.sessions) as session:
            card, _ = holder(session, account)
            scheme = _scheme(card)
            survey = next(
                (s for s in surveys.surveys_of(scheme.name) if s.code == body.survey_code), None
            )
            if survey is None:
                raise ApiError(err.INC_SURVEY_NOT_FOUND)
            done = session.scalar(
                select(SurveyAnswer.id).where(
                    SurveyAnswer.card_id == card.id, SurveyAnswer.survey_code == survey.code
                )
            )
            if done is not None:
                raise ApiError(err.INC_SURVEY_ANSWERED)
            if survey.after_incentive not in _paid_incentives(session, card.id):
                raise ApiError(err.INC_SURVEY_LOCKED)
            problem = surveys.answers_problem(survey, body.answers)
            if problem is not None:
                raise ApiError(err.INC_SURVEY_ANSWERS_INVALID, f"({problem})")
            session.add(
                SurveyAnswer(
                    card_id=card.id,
                    survey_code=survey.code,
                    answers=json.dumps(body.answers, ensure_ascii=False, separators=(",", ":")),
                    answered_at=now,
                )
            )
            step = payouts.add_survey_step(session, card, scheme, survey.step, now)
            audit.record(
                session, "card", card.card_number, "survey_answered", ACTOR, survey=survey.code
            )
            payouts.disburse_due(session, now, now, card_id=card.id)
            view = next(
                s
                for s in schedule(session, card, scheme)
                if (s.kind, s.step) == (rules.SURVEY, step.step)
            )
    except IntegrityError:  # the same survey answered twice at once: one wins
        raise ApiError(err.INC_SURVEY_ANSWERED) from None
    return SurveyAnswerData(survey_code=survey.code, answered_at=iso_utc(now), payment=view)
