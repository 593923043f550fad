from django.urls import URLPattern, URLResolver, path

from jifen.fairness import views

urlpatterns: list[URLPattern | URLResolver] = [
    # A village's flags (the township, the county and the village's supervisory committee)
    path("villages/<str:code>/fairness/", views.village, name="fairness_village"),
    # The township's flags per village, open and reviewed
    path("townships/<str:code>/fairness/", views.township, name="fairness_township"),
    # One flag: the explanation, the records behind it, the review
    path("fairness/flags/<int:pk>/", views.flag, name="fairness_flag"),
]
