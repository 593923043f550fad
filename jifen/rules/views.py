"""The rulebook pages: a village's rulebook and its versions, the draft editor, adoption,
copying a template, village settings, and the templates of a county or township."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.accounts.actors import Actor
from jifen.core.http import JifenRequest, actor_of
from jifen.places.models import Place
from jifen.places.permissions import VillagePredicate
from jifen.rules import permissions, selectors, services
from jifen.rules.catalogue import CATALOGUES
from jifen.rules.forms import (
    AdoptForm,
    CategoryForm,
    CopyTemplateForm,
    ItemForm,
    PublishTemplateForm,
    StarBandsForm,
    VillageSettingsForm,
    item_initial,
    star_bands_initial,
)
from jifen.rules.models import Item, RulebookVersion


def _village_for(actor: Actor, code: str, allowed: VillagePredicate) -> Place:
    village = get_object_or_404(Place, code=code, kind=Place.Kind.VILLAGE)
    if not allowed(actor, village):
        raise PermissionDenied
    return village


def _draft_for(village: Place) -> RulebookVersion:
    draft = selectors.draft_version(village)
    if draft is None:
        raise Http404
    return draft


def _publisher_for(actor: Actor, code: str) -> Place:
    place = get_object_or_404(Place, code=code, kind__in=[Place.Kind.COUNTY, Place.Kind.TOWNSHIP])
    if not permissions.can_view_templates(actor, place):
        raise PermissionDenied
    return place


def _village_context(actor: Actor, village: Place, **extra: Any) -> dict[str, Any]:
    """What every village rulebook page shows in its navigation."""
    return {
        "village": village,
        "can_edit": permissions.can_edit_rulebook(actor, village),
        "can_change_settings": permissions.can_change_village_settings(actor, village),
        **extra,
    }


def _refused(form: Form, error: ValidationError) -> None:
    for message in error.messages:
        form.add_error(None, message)


# Reading -------------------------------------------------------------------------------------


@login_required
def rulebook(request: JifenRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    village = _village_for(actor, code, permissions.can_view_rulebook)
    version = selectors.in_force_version(village)
    context = _village_context(
        actor,
        village,
        version=version,
        categories=selectors.categories_with_items(version) if version else [],
        bands=selectors.star_bands(version) if version else [],
        versions=selectors.rulebook_versions(village),
    )
    return render(request, "rules/rulebook.html", context)


@login_required
def version_detail(request: JifenRequest, code: str, number: int) -> HttpResponse:
    actor = actor_of(request)
    village = _village_for(actor, code, permissions.can_view_rulebook)
    version = get_object_or_404(selectors.village_versions(village), number=number)
    context = _village_context(
        actor,
        village,
        version=version,
        categories=selectors.categories_with_items(version),
        bands=selectors.star_bands(version),
    )
    return render(request, "rules/version.html", context)


# The draft -----------------------------------------------------------------------------------


@login_required
def draft(request: JifenRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    village = _village_for(actor, code, permissions.can_edit_rulebook)
    version = selectors.draft_version(village)
    context = _village_context(
        actor,
        village,
        version=version,
        in_force=selectors.in_force_version(village),
        categories=selectors.categories_with_items(version) if version else [],
        bands=selectors.star_bands(version) if version else [],
        category_form=CategoryForm(),
    )
    return render(request, "rules/draft.html", context)


@require_POST
@login_required
def draft_new(request: JifenRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    village = _village_for(actor, code, permissions.can_edit_rulebook)
    try:
        services.draft_new_version(actor=actor, village=village)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("A new draft was made from the rulebook in force."))
    return redirect("rules_draft", code=code)


@require_POST
@login_required
def draft_discard(request: JifenRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    village = _village_for(actor, code, permissions.can_edit_rulebook)
    try:
        services.discard_draft(actor=actor, version=_draft_for(village))
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("rules_draft", code=code)
    messages.success(request, _("The draft was discarded."))
    return redirect("rules_rulebook", code=code)


@require_POST
@login_required
def category_add(request: JifenRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    village = _village_for(actor, code, permissions.can_edit_rulebook)
    form = CategoryForm(request.POST)
    if form.is_valid():
        try:
            services.add_category(
                actor=actor, version=_draft_for(village), title=form.cleaned_data["title"]
            )
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(request, _("Category added."))
    else:
        messages.error(request, _("Give the category a title of at most 60 characters."))
    return redirect("rules_draft", code=code)


@login_required
def item_edit(request: JifenRequest, code: str, pk: int | None = None) -> HttpResponse:
    """Add an item to the draft (no ``pk``) or change one of its items."""
    actor = actor_of(request)
    village = _village_for(actor, code, permissions.can_edit_rulebook)
    version = _draft_for(village)
    item = get_object_or_404(Item, pk=pk, version=version) if pk is not None else None
    form = ItemForm(
        request.POST or None,
        initial=item_initial(item) if item else None,
        categories=version.categories.order_by("position", "id"),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.save_item(actor=actor, version=version, item=item, **form.cleaned_data)
        except ValidationError as error:
            _refused(form, error)
        else:
            messages.success(request, _("Item saved."))
            return redirect("rules_draft", code=code)
    context = _village_context(actor, village, version=version, item=item, form=form)
    return render(request, "rules/item_form.html", context)


@require_POST
@login_required
def item_remove(request: JifenRequest, code: str, pk: int) -> HttpResponse:
    actor = actor_of(request)
    village = _village_for(actor, code, permissions.can_edit_rulebook)
    item = get_object_or_404(Item, pk=pk, version=_draft_for(village))
    try:
        services.remove_item(actor=actor, item=item)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("Item %(code)s removed from the draft.") % {"code": item.code})
    return redirect("rules_draft", code=code)


@login_required
def star_bands(request: JifenRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    village = _village_for(actor, code, permissions.can_edit_rulebook)
    version = _draft_for(village)
    current = [(band.stars, band.min_score) for band in selectors.star_bands(version)]
    form = StarBandsForm(request.POST or None, initial=star_bands_initial(current))
    if request.method == "POST" and form.is_valid():
        try:
            services.save_star_bands(actor=actor, version=version, bands=form.bands())
        except ValidationError as error:
            _refused(form, error)
        else:
            messages.success(request, _("Star levels saved."))
            return redirect("rules_draft", code=code)
    context = _village_context(actor, village, version=version, form=form)
    return render(request, "rules/star_bands.html", context)


@login_required
def adopt(request: JifenRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    village = _village_for(actor, code, permissions.can_adopt_rulebook)
    version = _draft_for(village)
    form = AdoptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.adopt_version(actor=actor, version=version, **form.cleaned_data)
        except ValidationError as error:
            _refused(form, error)
        else:
            messages.success(request, _("The new version is in force."))
            return redirect("rules_rulebook", code=code)
    context = _village_context(actor, village, version=version, form=form)
    return render(request, "rules/adopt.html", context)


@login_required
def copy_template(request: JifenRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    village = _village_for(actor, code, permissions.can_edit_rulebook)
    templates = selectors.templates_for(village)
    form = CopyTemplateForm(request.POST or None, templates=templates)
    if request.method == "POST" and form.is_valid():
        template = form.cleaned_data["template"]
        try:
            services.copy_template(actor=actor, village=village, template_version=template)
        except ValidationError as error:
            _refused(form, error)
        else:
            messages.success(request, _("The template was copied into a new draft."))
            return redirect("rules_draft", code=code)
    context = _village_context(actor, village, templates=templates, form=form)
    return render(request, "rules/copy_template.html", context)


# Settings and templates ----------------------------------------------------------------------


@login_required
def village_settings(request: JifenRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    village = _village_for(actor, code, permissions.can_change_village_settings)
    current = selectors.village_settings(village)
    initial = {name: getattr(current, name) for name in VillageSettingsForm.base_fields}
    form = VillageSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_village_settings(actor=actor, village=village, **form.cleaned_data)
        except ValidationError as error:
            _refused(form, error)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("rules_settings", code=code)
    return render(request, "rules/settings.html", _village_context(actor, village, form=form))


@login_required
def templates(request: JifenRequest, code: str) -> HttpResponse:
    """The templates a county or township publishes; its admin publishes a built-in one."""
    actor = actor_of(request)
    place = _publisher_for(actor, code)
    can_publish = permissions.can_publish_template(actor, place)
    form = PublishTemplateForm(request.POST or None)
    if request.method == "POST":
        if not can_publish:
            raise PermissionDenied
        if form.is_valid():
            catalogue = CATALOGUES[form.cleaned_data["catalogue"]]
            services.publish_template(
                actor=actor, owner=place, title=catalogue.title, catalogue=catalogue
            )
            messages.success(request, _("The template was published."))
            return redirect("rules_templates", code=code)
    context = {
        "place": place,
        "versions": selectors.published_templates(place),
        "form": form,
        "can_publish": can_publish,
    }
    return render(request, "rules/templates.html", context)


@login_required
def template_version(request: JifenRequest, code: str, pk: int) -> HttpResponse:
    actor = actor_of(request)
    version = get_object_or_404(
        RulebookVersion.objects.select_related("rulebook__owner"),
        pk=pk,
        rulebook__is_template=True,
        rulebook__owner__code=code,
    )
    if not permissions.can_view_template(actor, version):
        raise PermissionDenied
    context = {
        "place": version.rulebook.owner,
        "version": version,
        "categories": selectors.categories_with_items(version),
        "bands": selectors.star_bands(version),
    }
    return render(request, "rules/template_version.html", context)
