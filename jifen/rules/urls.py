from django.urls import path

from jifen.rules import views

urlpatterns = [
    path("villages/<str:code>/rulebook/", views.rulebook, name="rules_rulebook"),
    path(
        "villages/<str:code>/rulebook/versions/<int:number>/",
        views.version_detail,
        name="rules_version",
    ),
    path("villages/<str:code>/rulebook/draft/", views.draft, name="rules_draft"),
    path("villages/<str:code>/rulebook/draft/new/", views.draft_new, name="rules_draft_new"),
    path(
        "villages/<str:code>/rulebook/draft/discard/",
        views.draft_discard,
        name="rules_draft_discard",
    ),
    path(
        "villages/<str:code>/rulebook/draft/categories/",
        views.category_add,
        name="rules_category_add",
    ),
    path("villages/<str:code>/rulebook/draft/items/new/", views.item_edit, name="rules_item_add"),
    path(
        "villages/<str:code>/rulebook/draft/items/<int:pk>/",
        views.item_edit,
        name="rules_item_edit",
    ),
    path(
        "villages/<str:code>/rulebook/draft/items/<int:pk>/remove/",
        views.item_remove,
        name="rules_item_remove",
    ),
    path("villages/<str:code>/rulebook/draft/stars/", views.star_bands, name="rules_star_bands"),
    path("villages/<str:code>/rulebook/draft/adopt/", views.adopt, name="rules_adopt"),
    path(
        "villages/<str:code>/rulebook/templates/", views.copy_template, name="rules_copy_template"
    ),
    path("villages/<str:code>/rulebook/settings/", views.village_settings, name="rules_settings"),
    path("places/<str:code>/rulebooks/", views.templates, name="rules_templates"),
    path(
        "places/<str:code>/rulebooks/<int:pk>/",
        views.template_version,
        name="rules_template_version",
    ),
]
