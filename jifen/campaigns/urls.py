from django.urls import URLPattern, URLResolver, path

from jifen.campaigns import list_views, views

urlpatterns: list[URLPattern | URLResolver] = [
    # Campaigns
    path("villages/<str:code>/campaigns/", views.campaigns, name="campaigns_village"),
    path("villages/<str:code>/campaigns/new/", views.campaign_new, name="campaigns_new"),
    path("campaigns/<int:pk>/", views.campaign, name="campaigns_campaign"),
    path("campaigns/rounds/<int:pk>/", views.round_page, name="campaigns_round"),
    path(
        "campaigns/rounds/<int:pk>/households/<int:household>/",
        views.inspect,
        name="campaigns_inspect",
    ),
    # Red and black lists
    path("villages/<str:code>/lists/", list_views.lists, name="campaigns_lists"),
    path("villages/<str:code>/lists/new/", list_views.board_new, name="campaigns_board_new"),
    path("lists/<int:pk>/", list_views.board, name="campaigns_board"),
    path("lists/<int:pk>.pdf", list_views.board_print, name="campaigns_board_pdf"),
    path("lists/<int:pk>/add/", list_views.entry_add, name="campaigns_entry_add"),
    path("lists/<int:pk>/confirm/", list_views.board_confirm, name="campaigns_board_confirm"),
    path("lists/<int:pk>/discard/", list_views.board_discard, name="campaigns_board_discard"),
    path("lists/entries/<int:pk>/", list_views.entry_edit, name="campaigns_entry"),
    path("lists/entries/<int:pk>/remove/", list_views.entry_remove, name="campaigns_entry_remove"),
    path(
        "lists/entries/<int:pk>/withdraw/",
        list_views.entry_withdraw,
        name="campaigns_entry_withdraw",
    ),
]
