from django.urls import path

from evaluation import views

urlpatterns = [
    path("evaluation/", views.unit_list, name="evaluation_unit_list"),
    path("evaluation/open/", views.open_evaluation, name="evaluation_open"),
    path("evaluation/me/", views.mine, name="evaluation_mine"),
    path("evaluation/decide/", views.decide_unit, name="evaluation_decide_unit"),
    path("evaluation/<int:pk>/", views.detail, name="evaluation_detail"),
    path("evaluation/<int:pk>/self/", views.self_assess, name="evaluation_self"),
    path("evaluation/<int:pk>/score/", views.score, name="evaluation_score"),
    path("evaluation/<int:pk>/review/", views.review, name="evaluation_review"),
    path("evaluation/<int:pk>/decide/", views.decide, name="evaluation_decide"),
    path("evaluation/<int:pk>/reopen/", views.reopen, name="evaluation_reopen"),
    path("evaluation/<int:pk>/phieu.pdf", views.form_pdf, name="evaluation_form_pdf"),
    path("evaluation/<int:pk>/sign/", views.form_sign, name="evaluation_form_sign"),
    path(
        "evaluation/summary/<str:unit_code>/<slug:period_kind>/<str:period_start>.<slug:fmt>",
        views.summary,
        name="evaluation_summary",
    ),
    path(
        "evaluation/summary/<str:unit_code>/<slug:period_kind>/<str:period_start>/sign/",
        views.summary_sign,
        name="evaluation_summary_sign",
    ),
    path("evaluation/products/", views.products, name="evaluation_products"),
    path("evaluation/assignments/", views.assignments, name="evaluation_assignments"),
    path("evaluation/assignments/<int:assignment_id>/result/", views.result, name="evaluation_result"),
    path("evaluation/rulebooks/", views.rulebooks, name="evaluation_rulebooks"),
    path("evaluation/discipline/", views.discipline, name="evaluation_discipline"),
]
