from django.conf import settings
from django.conf.urls.static import static
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

from jifen.accounts import views as accounts
from jifen.api.api import api
from jifen.board import views as board
from jifen.core import views as core
from jifen.places import views as places
from jifen.records import views as records

urlpatterns = [
    path("", core.home, name="home"),
    path("healthz/", core.healthz, name="healthz"),
    path("login/", accounts.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("role/", accounts.switch_role, name="switch_role"),
    path("display/text-size/", core.text_size, name="text_size"),
    path("display/language/", set_language, name="set_language"),
    path("places/<str:code>/roles/", accounts.place_roles, name="place_roles"),
    path("places/<str:code>/roles/<int:grant_id>/revoke/", accounts.revoke, name="revoke_role"),
    path("my/household/", places.my_household, name="my_household"),
    path("villages/<str:code>/registry/", places.registry, name="registry"),
    path("villages/<str:code>/registry/import/", places.roster_import, name="roster_import"),
    path(
        "villages/<str:code>/registry/import/<int:pk>/", places.roster_upload, name="roster_upload"
    ),
    path("villages/<str:code>/registry/export.xlsx", places.roster_export, name="roster_export"),
    path("villages/<str:code>/households/<int:pk>/", places.household_detail, name="household"),
    path(
        "villages/<str:code>/households/<int:pk>/rotate-token/",
        places.rotate_token,
        name="rotate_token",
    ),
    path(
        "villages/<str:code>/households/<int:pk>/history/",
        places.household_audit,
        name="household_history",
    ),
    path("villages/<str:code>/audit/", places.village_audit, name="village_audit"),
    path("townships/<str:code>/", places.township, name="township"),
    path("counties/<str:code>/", places.county, name="county"),
    # Points: the door plate, the village board, a household's points
    path("h/<str:token>/", board.door_plate, name="door_plate"),
    path("villages/<str:code>/board/", board.village_board, name="village_board"),
    path(
        "villages/<str:code>/households/<int:pk>/points/",
        board.household_points,
        name="household_points",
    ),
    path(
        "villages/<str:code>/ledger/entries/<int:seq>/proof.json",
        board.entry_proof,
        name="entry_proof",
    ),
    path(
        "villages/<str:code>/ledger/consistency/<int:old>-<int:new>.json",
        board.consistency_proof,
        name="consistency_proof",
    ),
    # Records: declare, record, inspect, review, object, report, correct
    path("villages/<str:code>/declare/", records.declare, name="declare"),
    path("villages/<str:code>/households/<int:pk>/record/", records.record_for, name="record_for"),
    path("villages/<str:code>/households/<int:pk>/report/", records.report, name="report"),
    path("villages/<str:code>/inspection/", records.inspection, name="inspection"),
    path("villages/<str:code>/review/", records.review_queue, name="review_queue"),
    path("villages/<str:code>/records/<int:pk>/object/", records.object_to, name="object_to"),
    path("villages/<str:code>/records/<int:pk>/correct/", records.correct, name="correct"),
    path(
        "villages/<str:code>/objections/<int:pk>/decide/",
        records.decide_objection,
        name="decide_objection",
    ),
    path(
        "villages/<str:code>/reports/<int:pk>/verify/", records.verify_report, name="verify_report"
    ),
    path("", include("jifen.rules.urls")),
    path("", include("jifen.board.print_urls")),
    path("", include("jifen.market.urls")),
    path("", include("jifen.loans.urls")),
    path("", include("jifen.dividends.urls")),
    path("", include("jifen.notify.urls")),
    path("", include("jifen.talk.urls")),
    path("", include("jifen.votes.urls")),
    path("", include("jifen.disclosure.urls")),
    path("", include("jifen.campaigns.urls")),
    path("", include("jifen.oversight.urls")),
    path("", include("jifen.fairness.urls")),
    path("api/v1/", api.urls),
]

# Uploaded photos, served by Django only in development; in production the reverse proxy does.
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
