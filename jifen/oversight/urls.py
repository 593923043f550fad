from django.urls import URLPattern, URLResolver, path

from jifen.oversight import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("townships/<str:code>/dashboard/", views.township, name="oversight_township"),
    path("counties/<str:code>/dashboard/", views.county, name="oversight_county"),
    path(
        "townships/<str:code>/dashboard/<slug:table>.xlsx",
        views.township_export,
        name="oversight_township_export",
    ),
    path(
        "counties/<str:code>/dashboard/<slug:table>.xlsx",
        views.county_export,
        name="oversight_county_export",
    ),
]
