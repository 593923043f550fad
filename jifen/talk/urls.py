from django.urls import URLPattern, URLResolver, path

from jifen.talk import views

urlpatterns: list[URLPattern | URLResolver] = [
    # A village's matters, raising one, and the comments reported to the committee
    path("villages/<str:code>/talk/", views.matters, name="talk_matters"),
    path("villages/<str:code>/talk/new/", views.matter_new, name="talk_matter_new"),
    path("villages/<str:code>/talk/reports/", views.reports, name="talk_reports"),
    # A matter: the discussion (comments are posted to the matter's page), likes, the task
    path("matters/<int:pk>/", views.matter, name="talk_matter"),
    path("matters/<int:pk>/like/", views.like, name="talk_like"),
    path("matters/<int:pk>/task/", views.task_new, name="talk_task_new"),
    path("comments/<int:pk>/report/", views.report, name="talk_report"),
    path("comments/<int:pk>/hide/", views.hide, name="talk_hide"),
    # A task: progress, done, ratings
    path("tasks/<int:pk>/progress/", views.progress, name="talk_progress"),
    path("tasks/<int:pk>/done/", views.done, name="talk_done"),
    path("tasks/<int:pk>/rate/", views.rate, name="talk_rate"),
    # The township's overview: figures per village and overdue tasks
    path("townships/<str:code>/talk/", views.township, name="talk_township"),
]
