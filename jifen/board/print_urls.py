"""Printable PDFs; included at the root of jifen/urls.py."""

from django.urls import path

from jifen.board import print_views

urlpatterns = [
    path("villages/<str:code>/door-plates.pdf", print_views.door_plates, name="print_door_plates"),
    path(
        "villages/<str:code>/households/<int:pk>/passbook.pdf",
        print_views.passbook,
        name="print_passbook",
    ),
    path("villages/<str:code>/notices/<int:pk>.pdf", print_views.notice, name="print_notice"),
]
