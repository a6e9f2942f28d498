from django.urls import include, path

urlpatterns = [
    path("", include("assessments.urls_bank")),
    path("", include("assessments.urls_take")),
    path("", include("assessments.urls_exams")),
    path("", include("assessments.urls_results")),
]
