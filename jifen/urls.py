from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.i18n import set_language

from jifen.accounts import views as accounts
from jifen.core import views as core
from jifen.places import views as places

urlpatterns = [
    path("", core.home, name="home"),
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
]
