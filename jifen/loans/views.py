"""The loan pages: a household's loans page (offers, consents, applications and who looked at
its points); the bank officer's queue, household lookup, application and export; the county
admin's partner banks with their officers, policies and API keys.

A bank sees a household only through ``services.bank_view``; without the household's consent
the page answers 403 and the refused look stays in the household's log.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.forms import Form
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from jifen.accounts.actors import Actor
from jifen.core.errors import message_of
from jifen.core.http import JifenRequest, actor_of
from jifen.loans import permissions, selectors, services
from jifen.loans.forms import (
    ApiKeyForm,
    ApplicationForm,
    ApproveForm,
    BankForm,
    ConsentForm,
    DeclineForm,
    LookupForm,
    OfficerForm,
    PolicyForm,
    policy_initial,
)
from jifen.loans.models import ApiKey, Bank, BankAccess, BankOfficer, Consent, LoanApplication
from jifen.loans.services import ConsentRequired, Viewer
from jifen.places.models import Household, Place
from jifen.places.permissions import can_view_own_household

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _refused(form: Form, error: ValidationError) -> None:
    """Show a service's refusal on the form, beside the field it names if it names one."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        for message in error.messages:
            form.add_error(None, message)


# The household ------------------------------------------------------------------------------


def _own_household(actor: Actor) -> Household:
    if not can_view_own_household(actor):
        raise PermissionDenied
    resident = actor.user.resident
    assert resident is not None
    household = Household.objects.select_related("village__parent__parent", "head").get(
        pk=resident.household_id
    )
    if not permissions.can_use_loans(actor, household):
        raise PermissionDenied
    return household


def _county_banks(household: Household) -> QuerySet[Bank]:
    county = selectors.county_of(household)
    return selectors.banks_in(county) if county else Bank.objects.none()


def _my_loans_page(
    request: JifenRequest,
    household: Household,
    *,
    consent_form: ConsentForm | None = None,
    application_form: ApplicationForm | None = None,
) -> HttpResponse:
    now = timezone.now()
    own = selectors.own_standing(household)
    banks = _county_banks(household)
    applications = selectors.applications_of(household)
    context = {
        "household": household,
        "village": household.village,
        "own": own,
        "offers": selectors.offers_for(household, own, timezone.localdate(now)),
        "consents": selectors.consent_rows(household, now),
        "applications": applications,
        "decisions": selectors.recent_decisions(applications, now),
        "accesses": selectors.accesses_of(household),
        "access_rows": selectors.ACCESS_ROWS,
        "consent_form": consent_form or ConsentForm(banks=banks),
        "application_form": application_form or ApplicationForm(banks=banks),
    }
    return render(request, "loans/my_loans.html", context)


@login_required
def my_loans(request: JifenRequest) -> HttpResponse:
    household = _own_household(actor_of(request))
    return _my_loans_page(request, household)


@require_POST
@login_required
def grant_consent(request: JifenRequest) -> HttpResponse:
    actor = actor_of(request)
    household = _own_household(actor)
    form = ConsentForm(request.POST, banks=_county_banks(household))
    if form.is_valid():
        bank = form.cleaned_data["bank"]
        try:
            consent = services.grant_consent(
                actor=actor, household=household, bank=bank, days=form.cleaned_data["days"]
            )
        except ValidationError as error:
            _refused(form, error)
        else:
            messages.success(
                request,
                _("%(bank)s may see your score, rank and stars until %(until)s.")
                % {
                    "bank": bank.name,
                    "until": timezone.localtime(consent.expires_at).strftime("%Y-%m-%d"),
                },
            )
            return redirect("loans_my")
    return _my_loans_page(request, household, consent_form=form)


@require_POST
@login_required
def revoke_consent(request: JifenRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    household = _own_household(actor)
    consent = get_object_or_404(
        Consent.objects.select_related("bank", "household__village"), pk=pk, household=household
    )
    try:
        services.revoke_consent(actor=actor, consent=consent)
    except ValidationError as error:
        messages.error(request, message_of(error))
    else:
        messages.success(
            request,
            _("%(bank)s can no longer see your points.") % {"bank": consent.bank.name},
        )
    return redirect("loans_my")


@require_POST
@login_required
def apply(request: JifenRequest) -> HttpResponse:
    actor = actor_of(request)
    household = _own_household(actor)
    form = ApplicationForm(request.POST, banks=_county_banks(household))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.apply_for_loan(
                actor=actor,
                household=household,
                bank=data["bank"],
                amount_yuan=data["amount_yuan"],
                purpose=data["purpose"],
            )
        except ValidationError as error:
            _refused(form, error)
        else:
            messages.success(
                request, _("Your application was sent. The bank will decide; you will see it here.")
            )
            return redirect("loans_my")
    return _my_loans_page(request, household, application_form=form)


@require_POST
@login_required
def withdraw(request: JifenRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    household = _own_household(actor)
    application = get_object_or_404(
        LoanApplication.objects.select_related("household__village"), pk=pk, household=household
    )
    try:
        services.withdraw_application(actor=actor, application=application)
    except ValidationError as error:
        messages.error(request, message_of(error))
    else:
        messages.success(request, _("Your application was withdrawn."))
    return redirect("loans_my")


# The bank officer ---------------------------------------------------------------------------


def _officer_bank(actor: Actor) -> Bank:
    bank = selectors.bank_of_officer(actor.user)
    if bank is None or not permissions.is_officer_of(actor, bank):
        raise PermissionDenied
    return bank


def _viewer(actor: Actor, bank: Bank, channel: str = BankAccess.Channel.WEB) -> Viewer:
    return Viewer(bank=bank, channel=channel, officer=actor.user)


def _refusal(request: JifenRequest, bank: Bank, error: ConsentRequired) -> HttpResponse:
    """The answer when the household has not consented; the refusal is already logged."""
    return render(
        request, "loans/refused.html", {"bank": bank, "message": message_of(error)}, status=403
    )


def _application_for(bank: Bank, pk: int) -> LoanApplication:
    return get_object_or_404(
        LoanApplication.objects.select_related(
            "household__village__parent__parent", "household__head", "policy", "checkpoint"
        ),
        pk=pk,
        bank=bank,
    )


@login_required
def bank_home(request: JifenRequest) -> HttpResponse:
    actor = actor_of(request)
    bank = _officer_bank(actor)
    queue = selectors.bank_queue(bank, timezone.now())
    return render(request, "loans/bank_home.html", {"bank": bank, "queue": queue})


@never_cache
@login_required
def bank_lookup(request: JifenRequest) -> HttpResponse:
    """Find a household by its door plate, if it lets the bank see it."""
    actor = actor_of(request)
    bank = _officer_bank(actor)
    form = LookupForm(request.GET or None)
    context: dict[str, Any] = {"bank": bank, "form": form}
    if form.is_valid():
        household = services.household_by_token(form.cleaned_data["q"])
        action = BankAccess.Action.STANDING if household else BankAccess.Action.LOOKUP
        try:
            consent = services.bank_view(_viewer(actor, bank), household, action=action)
        except ConsentRequired as error:
            return _refusal(request, bank, error)
        assert household is not None
        context |= {
            "consent": consent,
            "standing": services.standing_of(bank, household, timezone.now()),
            "applications": selectors.applications_of_household_at(bank, household),
        }
    return render(request, "loans/bank_lookup.html", context)


def _application_page(
    request: JifenRequest,
    actor: Actor,
    bank: Bank,
    application: LoanApplication,
    *,
    approve_form: ApproveForm | None = None,
    decline_form: DeclineForm | None = None,
) -> HttpResponse:
    try:
        consent = services.bank_view(
            _viewer(actor, bank), application.household, action=BankAccess.Action.APPLICATION
        )
    except ConsentRequired as error:
        return _refusal(request, bank, error)
    context = {
        "bank": bank,
        "application": application,
        "household": application.household,
        "consent": consent,
        "current": services.standing_of(bank, application.household, timezone.now()),
        "approve_form": approve_form
        or ApproveForm(initial={"amount_yuan": application.amount_yuan, "rate": application.rate}),
        "decline_form": decline_form or DeclineForm(),
    }
    return render(request, "loans/bank_application.html", context)


@never_cache
@login_required
def bank_application(request: JifenRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    bank = _officer_bank(actor)
    return _application_page(request, actor, bank, _application_for(bank, pk))


def _decide(
    request: JifenRequest, pk: int, form: ApproveForm | DeclineForm, *, approve: bool
) -> HttpResponse:
    actor = actor_of(request)
    bank = _officer_bank(actor)
    application = _application_for(bank, pk)
    if form.is_valid():
        try:
            services.decide_application(
                viewer=_viewer(actor, bank),
                application=application,
                approve=approve,
                actor=actor,
                **form.cleaned_data,
            )
        except ConsentRequired as error:
            return _refusal(request, bank, error)
        except ValidationError as error:
            _refused(form, error)
        else:
            messages.success(
                request,
                _("Approved. The household sees the decision on its loans page.")
                if approve
                else _("Declined. The household sees the decision and the reason."),
            )
            return redirect("loans_bank_application", pk=pk)
    if isinstance(form, ApproveForm):
        return _application_page(request, actor, bank, application, approve_form=form)
    return _application_page(request, actor, bank, application, decline_form=form)


@require_POST
@login_required
def bank_approve(request: JifenRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, ApproveForm(request.POST), approve=True)


@require_POST
@login_required
def bank_decline(request: JifenRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, DeclineForm(request.POST), approve=False)


@login_required
def bank_export(request: JifenRequest) -> HttpResponse:
    """The bank's applications as .xlsx: only those of households that let the bank see them."""
    actor = actor_of(request)
    bank = _officer_bank(actor)
    export = services.export_applications(
        actor=actor, viewer=_viewer(actor, bank, BankAccess.Channel.EXPORT)
    )
    response = HttpResponse(export.content, content_type=XLSX)
    filename = f"loan-applications-{bank.pk}-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


# The county admin ---------------------------------------------------------------------------


def _county_for(actor: Actor, code: str) -> Place:
    county = get_object_or_404(Place, code=code, kind=Place.Kind.COUNTY)
    if not permissions.can_manage_banks(actor, county):
        raise PermissionDenied
    return county


def _bank_for(actor: Actor, code: str, pk: int) -> Bank:
    county = _county_for(actor, code)
    return get_object_or_404(Bank.objects.select_related("county"), pk=pk, county=county)


@login_required
def banks(request: JifenRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    county = _county_for(actor, code)
    form = BankForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            bank = services.create_bank(actor=actor, county=county, **form.cleaned_data)
        except ValidationError as error:
            _refused(form, error)
        else:
            messages.success(request, _("The bank was added. Now assign its officers and policy."))
            return redirect("loans_bank_admin", code=code, pk=bank.pk)
    context = {"county": county, "banks": selectors.banks_overview(county), "form": form}
    return render(request, "loans/banks.html", context)


def _bank_admin_page(
    request: JifenRequest,
    bank: Bank,
    *,
    officer_form: OfficerForm | None = None,
    key_form: ApiKeyForm | None = None,
) -> HttpResponse:
    candidates = selectors.officer_candidates(bank.county)
    context = {
        "county": bank.county,
        "bank": bank,
        "officers": selectors.officers_of(bank),
        "officer_form": officer_form or OfficerForm(candidates=candidates),
        "policies": selectors.policies_of(bank),
        "keys": selectors.keys_of(bank),
        "key_form": key_form or ApiKeyForm(),
    }
    return render(request, "loans/bank_admin.html", context)


@login_required
def bank_admin(request: JifenRequest, code: str, pk: int) -> HttpResponse:
    bank = _bank_for(actor_of(request), code, pk)
    return _bank_admin_page(request, bank)


@require_POST
@login_required
def assign_officer(request: JifenRequest, code: str, pk: int) -> HttpResponse:
    actor = actor_of(request)
    bank = _bank_for(actor, code, pk)
    form = OfficerForm(request.POST, candidates=selectors.officer_candidates(bank.county))
    if form.is_valid():
        try:
            services.assign_officer(actor=actor, bank=bank, user=form.cleaned_data["user"])
        except ValidationError as error:
            _refused(form, error)
        else:
            messages.success(request, _("The officer now works for this bank."))
            return redirect("loans_bank_admin", code=code, pk=pk)
    return _bank_admin_page(request, bank, officer_form=form)


@require_POST
@login_required
def remove_officer(request: JifenRequest, code: str, pk: int, officer_pk: int) -> HttpResponse:
    actor = actor_of(request)
    bank = _bank_for(actor, code, pk)
    officer = get_object_or_404(
        BankOfficer.objects.select_related("bank__county", "user"), pk=officer_pk, bank=bank
    )
    services.remove_officer(actor=actor, officer=officer)
    messages.success(
        request, _("%(name)s no longer works for this bank.") % {"name": officer.user.name}
    )
    return redirect("loans_bank_admin", code=code, pk=pk)


@login_required
def new_policy(request: JifenRequest, code: str, pk: int) -> HttpResponse:
    """A new policy, or the next version of one (``?from=<policy>``, which fills the form)."""
    actor = actor_of(request)
    bank = _bank_for(actor, code, pk)
    source = None
    if request.GET.get("from", "").isdigit():
        source = get_object_or_404(bank.policies.all(), pk=int(request.GET["from"]))
    form = PolicyForm(
        request.POST or None,
        areas=selectors.policy_areas(bank.county),
        initial=policy_initial(source) if source else {"valid_from": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            policy = services.create_policy(actor=actor, bank=bank, **form.policy_fields())
        except ValidationError as error:
            _refused(form, error)
        else:
            messages.success(
                request,
                _("Version %(version)s of the policy was saved.") % {"version": policy.version},
            )
            return redirect("loans_bank_admin", code=code, pk=pk)
    context = {"county": bank.county, "bank": bank, "form": form, "source": source}
    return render(request, "loans/policy_form.html", context)


@never_cache
@require_POST
@login_required
def issue_key(request: JifenRequest, code: str, pk: int) -> HttpResponse:
    """Issue an API key; the secret is on this response only, and never shown again."""
    actor = actor_of(request)
    bank = _bank_for(actor, code, pk)
    form = ApiKeyForm(request.POST)
    if form.is_valid():
        try:
            key, secret = services.issue_api_key(
                actor=actor, bank=bank, name=form.cleaned_data["name"]
            )
        except ValidationError as error:
            _refused(form, error)
        else:
            context = {"county": bank.county, "bank": bank, "key": key, "secret": secret}
            return render(request, "loans/key_issued.html", context)
    return _bank_admin_page(request, bank, key_form=form)


@require_POST
@login_required
def revoke_key(request: JifenRequest, code: str, pk: int, key_pk: int) -> HttpResponse:
    actor = actor_of(request)
    bank = _bank_for(actor, code, pk)
    key = get_object_or_404(ApiKey, pk=key_pk, bank=bank)
    try:
        services.revoke_api_key(actor=actor, key=key)
    except ValidationError as error:
        messages.error(request, message_of(error))
    else:
        messages.success(request, _("The key was revoked; the bank's system can no longer use it."))
    return redirect("loans_bank_admin", code=code, pk=pk)
