from django.urls import URLPattern, URLResolver, path

from jifen.votes import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("villages/<str:code>/votes/", views.votes_list, name="votes_list"),
    path("villages/<str:code>/votes/new/", views.vote_new, name="votes_new"),
    path("votes/<int:pk>/", views.vote_detail, name="votes_vote"),
    path("votes/<int:pk>/delegate/", views.delegate, name="votes_delegate"),
    path("votes/<int:pk>/meeting/", views.meeting, name="votes_meeting"),
    path("votes/<int:pk>/close/", views.close, name="votes_close"),
]
