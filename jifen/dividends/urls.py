from django.urls import path

from jifen.dividends import views

urlpatterns = [
    path("villages/<str:code>/dividends/", views.rounds, name="dividends_rounds"),
    path("villages/<str:code>/dividends/new/", views.new_round, name="dividends_new"),
    path("villages/<str:code>/dividends/<int:pk>/", views.round_detail, name="dividends_round"),
    path(
        "villages/<str:code>/dividends/<int:pk>/recompute/",
        views.recompute,
        name="dividends_recompute",
    ),
    path(
        "villages/<str:code>/dividends/<int:pk>/publish/", views.publish, name="dividends_publish"
    ),
    path(
        "villages/<str:code>/dividends/<int:pk>/withdraw/",
        views.withdraw,
        name="dividends_withdraw",
    ),
    path(
        "villages/<str:code>/dividends/<int:pk>/finalise/",
        views.finalise,
        name="dividends_finalise",
    ),
    path(
        "villages/<str:code>/dividends/<int:pk>/discard/", views.discard, name="dividends_discard"
    ),
    path(
        "villages/<str:code>/dividends/<int:pk>/payouts.xlsx",
        views.payouts,
        name="dividends_payouts",
    ),
]
