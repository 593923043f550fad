from django.urls import URLPattern, URLResolver, path

from jifen.disclosure import views

urlpatterns: list[URLPattern | URLResolver] = [
    # A village's disclosure: its periods by kind, its schedule, a major item at once
    path("villages/<str:code>/disclosure/", views.village, name="disclosure_village"),
    path("villages/<str:code>/disclosure/schedule/", views.schedule, name="disclosure_schedule"),
    path("villages/<str:code>/disclosure/at-once/", views.ad_hoc, name="disclosure_ad_hoc"),
    path("disclosure/periods/<int:pk>/start/", views.start, name="disclosure_start"),
    # A publication: its page, the editor, sign-off, publication, correction, PDF
    path("disclosure/<int:pk>/", views.publication, name="disclosure_publication"),
    path("disclosure/<int:pk>/edit/", views.edit, name="disclosure_edit"),
    path("disclosure/<int:pk>/submit/", views.submit, name="disclosure_submit"),
    path("disclosure/<int:pk>/review/", views.review, name="disclosure_review"),
    path("disclosure/<int:pk>/publish/", views.publish, name="disclosure_publish"),
    path("disclosure/<int:pk>/correct/", views.correct, name="disclosure_correct"),
    path("disclosure/<int:pk>/pdf/", views.pdf, name="disclosure_pdf"),
    # A line: edit or remove it in a draft; ask about it once published
    path("disclosure/items/<int:pk>/edit/", views.item_edit, name="disclosure_item_edit"),
    path("disclosure/items/<int:pk>/remove/", views.item_remove, name="disclosure_item_remove"),
    path("disclosure/items/<int:pk>/ask/", views.ask, name="disclosure_ask"),
    # The township: overdue publications per village
    path("townships/<str:code>/disclosure/", views.township, name="disclosure_township"),
]
