"""The bank API's operations. Each reads a household only through the consent gate.

Every look is written to ``BankAccess`` (allowed or refused), which the household can read.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Body, Path, Query, Router
from ninja.errors import ValidationError as InvalidRequest

from jifen.api.auth import viewer_of
from jifen.api.errors import (
    ERROR_STATUSES,
    RETRY_AFTER,
    AlreadyDecided,
    AmountAboveRequest,
    ErrorOut,
)
from jifen.api.schemas import (
    MAX_ID,
    ApplicationOut,
    ApplicationPage,
    ApplicationStatus,
    ApplicationSummary,
    Approve,
    DecisionIn,
    HouseholdOut,
    StandingOut,
    Token,
)
from jifen.core.errors import message_of
from jifen.loans.models import BankAccess, LoanApplication
from jifen.loans.services import (
    ABOVE_REQUEST,
    Viewer,
    bank_view,
    bank_view_households,
    decide_application,
    household_by_token,
    standing_of,
)

router = Router(tags=["banks"])

ApplicationId = Annotated[int, Path(ge=1, le=MAX_ID, description="The application's id.")]
DoorToken = Annotated[Token, Path(description="The token in the QR code on the door plate.")]


def _refuse_unknown_parameters(request: HttpRequest, *known: str) -> None:
    """A misspelt filter must not silently list everything."""
    unknown = sorted(set(request.GET) - set(known))
    if unknown:
        raise InvalidRequest(
            [
                {
                    "loc": ("query", name),
                    "msg": _("This parameter is not known."),
                    "type": "unknown",
                }
                for name in unknown
            ]
        )


def _applications(viewer: Viewer) -> QuerySet[LoanApplication]:
    return LoanApplication.objects.filter(bank=viewer.bank).select_related(
        "household__village__parent", "household__head", "policy", "checkpoint__key"
    )


def _application_for(viewer: Viewer, application_id: int) -> LoanApplication:
    """The application, if it was made to the viewer's bank; any other bank's is not found."""
    application = _applications(viewer).filter(pk=application_id).first()
    if application is None:
        raise Http404
    return application


@router.get(
    "/households/{token}",
    response={200: HouseholdOut, ERROR_STATUSES: ErrorOut},
    operation_id="lookupHousehold",
    summary="Look up a household by its door-plate token",
    openapi_extra=RETRY_AFTER,
)
def lookup_household(request: HttpRequest, token: DoorToken) -> HouseholdOut:
    _refuse_unknown_parameters(request)
    viewer = viewer_of(request)
    household = household_by_token(token)
    bank_view(viewer, household, action=BankAccess.Action.LOOKUP)
    assert household is not None  # bank_view refuses a missing household
    return HouseholdOut.of(household)


@router.get(
    "/households/{token}/standing",
    response={200: StandingOut, ERROR_STATUSES: ErrorOut},
    operation_id="readStanding",
    summary="Read a household's score, rank and stars, and what the bank's policy gives",
    openapi_extra=RETRY_AFTER,
)
def read_standing(request: HttpRequest, token: DoorToken) -> StandingOut:
    _refuse_unknown_parameters(request)
    viewer = viewer_of(request)
    now = timezone.now()
    household = household_by_token(token)
    bank_view(viewer, household, action=BankAccess.Action.STANDING, now=now)
    assert household is not None
    return StandingOut.of(standing_of(viewer.bank, household, now), as_of=now)


@router.get(
    "/applications",
    response={200: ApplicationPage, ERROR_STATUSES: ErrorOut},
    operation_id="listApplications",
    summary="List the loan applications made to this bank, oldest first",
    description=(
        "Applications whose household's consent is not live are listed with `visible: false`"
        " and only their id, status and time of applying. Each household on the page gets one"
        " line in its access log, allowed or refused."
    ),
    openapi_extra=RETRY_AFTER,
)
def list_applications(
    request: HttpRequest,
    status: Annotated[ApplicationStatus | None, Query(description="Only this status.")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> ApplicationPage:
    _refuse_unknown_parameters(request, "status", "limit", "offset")
    viewer = viewer_of(request)
    applications = _applications(viewer)
    if status is not None:
        applications = applications.filter(status=status)
    total = applications.count()
    page = list(applications.order_by("applied_at", "pk")[offset : offset + limit])
    consents = bank_view_households(
        viewer, [a.household for a in page], action=BankAccess.Action.APPLICATION
    )
    return ApplicationPage(
        total=total,
        limit=limit,
        offset=offset,
        items=[ApplicationSummary.of(a, visible=a.household_id in consents) for a in page],
    )


@router.get(
    "/applications/{application_id}",
    response={200: ApplicationOut, ERROR_STATUSES: ErrorOut},
    operation_id="readApplication",
    summary="Read a loan application with the snapshot frozen when the household applied",
    openapi_extra=RETRY_AFTER,
)
def read_application(request: HttpRequest, application_id: ApplicationId) -> ApplicationOut:
    _refuse_unknown_parameters(request)
    viewer = viewer_of(request)
    application = _application_for(viewer, application_id)
    bank_view(viewer, application.household, action=BankAccess.Action.APPLICATION)
    return ApplicationOut.of(application)


@router.post(
    "/applications/{application_id}/decision",
    response={200: ApplicationOut, ERROR_STATUSES | {400, 409}: ErrorOut},
    operation_id="decideApplication",
    summary="Approve (amount and rate) or decline (reason) an application",
    description=(
        "Needs the household's live consent. An application is decided once: 409 after. "
        "Approving more than the household asked for is also 409."
    ),
    openapi_extra=RETRY_AFTER,
)
def decide(
    request: HttpRequest,
    application_id: ApplicationId,
    decision: Annotated[DecisionIn, Body(...)],
) -> ApplicationOut:
    _refuse_unknown_parameters(request)
    viewer = viewer_of(request)
    application = _application_for(viewer, application_id)
    try:
        if isinstance(decision, Approve):
            decided = decide_application(
                viewer=viewer,
                application=application,
                approve=True,
                amount_yuan=decision.amount_yuan,
                rate=Decimal(decision.rate),
            )
        else:
            decided = decide_application(
                viewer=viewer, application=application, approve=False, reason=decision.reason
            )
    except ValidationError as refusal:
        application.refresh_from_db(fields=["status"])
        if application.status != LoanApplication.Status.SUBMITTED:
            raise AlreadyDecided from None
        if refusal.code == ABOVE_REQUEST:
            raise AmountAboveRequest(message_of(refusal)) from None
        raise
    return ApplicationOut.of(decided)
