"""The township and county dashboards and the .xlsx of each table behind their charts."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from jifen.core.http import JifenRequest, actor_of
from jifen.oversight import permissions
from jifen.oversight.charts import charts_of
from jifen.oversight.dashboard import dashboard
from jifen.oversight.forms import chosen_month
from jifen.oversight.tables import tables_of, workbook
from jifen.places.models import Place

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _place_for(request: JifenRequest, code: str, kind: str) -> Place:
    place = get_object_or_404(Place, code=code, kind=kind)
    if not permissions.can_view_dashboard(actor_of(request), place):
        raise PermissionDenied
    return place


def _page(request: JifenRequest, code: str, kind: str) -> HttpResponse:
    place = _place_for(request, code, kind)
    now = timezone.now()
    month, month_error = chosen_month(request.GET.get("month"), timezone.localdate(now))
    board = dashboard(place, month, now=now)
    tables = tables_of(board)
    context = {
        "place": place,
        "board": board,
        "month_value": f"{month:%Y-%m}",
        "month_error": month_error,
        "charts": charts_of(tables),
        "tables": tables,
        "is_county": kind == Place.Kind.COUNTY,
        "export_name": f"oversight_{kind}_export",
    }
    return render(request, "oversight/dashboard.html", context)


def _export(request: JifenRequest, code: str, kind: str, table: str) -> HttpResponse:
    place = _place_for(request, code, kind)
    now = timezone.now()
    month, _error = chosen_month(request.GET.get("month"), timezone.localdate(now))
    tables = tables_of(dashboard(place, month, now=now))
    if table not in tables:
        raise Http404
    response = HttpResponse(workbook(tables[table]), content_type=XLSX)
    filename = f"{table}-{place.code}-{month:%Y-%m}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def township(request: JifenRequest, code: str) -> HttpResponse:
    return _page(request, code, Place.Kind.TOWNSHIP)


@login_required
def county(request: JifenRequest, code: str) -> HttpResponse:
    return _page(request, code, Place.Kind.COUNTY)


@login_required
def township_export(request: JifenRequest, code: str, table: str) -> HttpResponse:
    return _export(request, code, Place.Kind.TOWNSHIP, table)


@login_required
def county_export(request: JifenRequest, code: str, table: str) -> HttpResponse:
    return _export(request, code, Place.Kind.COUNTY, table)
