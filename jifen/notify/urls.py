from django.urls import URLPattern, URLResolver, path

from jifen.notify import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("notifications/", views.notify_list, name="notify_list"),
    path("notifications/read/", views.read_all, name="notify_read_all"),
    path("notifications/<int:pk>/", views.notify_open, name="notify_open"),
]
