from django.urls import URLPattern, URLResolver, path

from jifen.market import views

urlpatterns: list[URLPattern | URLResolver] = [
    # A village's stores and its liability
    path("villages/<str:code>/market/", views.stores, name="market_stores"),
    path("villages/<str:code>/market/new/", views.store_new, name="market_store_new"),
    path("villages/<str:code>/market/liability/", views.liability, name="market_liability"),
    path(
        "villages/<str:code>/market/liability.xlsx",
        views.liability_xlsx,
        name="market_liability_xlsx",
    ),
    # A store: goods, stock, the counter, orders, history
    path("stores/<int:pk>/", views.store, name="market_store"),
    path("stores/<int:pk>/settings/", views.store_edit, name="market_store_edit"),
    path("stores/<int:pk>/goods/new/", views.good_new, name="market_good_new"),
    path("stores/<int:pk>/goods/<int:good_pk>/", views.good_edit, name="market_good_edit"),
    path("stores/<int:pk>/stock/", views.stock, name="market_stock"),
    path("stores/<int:pk>/counter/", views.counter, name="market_counter"),
    path("stores/<int:pk>/counter/<str:token>/", views.basket, name="market_basket"),
    path("stores/<int:pk>/orders/", views.orders, name="market_orders"),
    path("stores/<int:pk>/redemptions/", views.history, name="market_history"),
    path(
        "stores/<int:pk>/redemptions/<int:redemption_pk>/",
        views.receipt,
        name="market_receipt",
    ),
    path(
        "stores/<int:pk>/redemptions/<int:redemption_pk>/hand-over/",
        views.hand_over,
        name="market_hand_over",
    ),
    path(
        "stores/<int:pk>/redemptions/<int:redemption_pk>/cancel/",
        views.cancel,
        name="market_cancel",
    ),
    # A household's own supermarket
    path("my/market/", views.my_market, name="market_my"),
    path("my/market/stores/<int:pk>/", views.order, name="market_order"),
    path("my/market/orders/<int:redemption_pk>/cancel/", views.my_cancel, name="market_my_cancel"),
]
