from django.urls import path

from assessments import views_results as v

urlpatterns = [
    path("assessments/results/", v.results_index, name="results_index"),
    path("assessments/results/<int:exam_id>/", v.results_exam, name="results_exam"),
    path("assessments/results/<int:exam_id>/score/", v.results_score, name="results_score"),
    path("assessments/results/<int:exam_id>/publish/", v.results_publish, name="results_publish"),
    path("assessments/results/<int:exam_id>/results.xlsx", v.results_xlsx, name="results_xlsx"),
    path("assessments/results/<int:exam_id>/results.pdf", v.results_pdf, name="results_pdf"),
    path("assessments/results/<int:exam_id>/item-analysis/", v.results_item_analysis, name="results_item_analysis"),
    path(
        "assessments/results/<int:exam_id>/item-analysis.pdf",
        v.results_item_analysis_pdf,
        name="results_item_analysis_pdf",
    ),
    path("assessments/results/<int:exam_id>/key-correction/", v.results_key_correction, name="results_key_correction"),
    path("assessments/results/<int:exam_id>/mine/", v.results_mine, name="results_mine"),
    path("assessments/results/<int:exam_id>/mine.pdf", v.results_mine_pdf, name="results_mine_pdf"),
]
