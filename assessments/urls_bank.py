from django.urls import path

from assessments import views_bank

urlpatterns = [
    path("bank/", views_bank.question_list, name="bank_question_list"),
    path("bank/questions/new/", views_bank.question_create, name="bank_question_create"),
    path("bank/questions/<int:question_id>/", views_bank.question_detail, name="bank_question_detail"),
    path("bank/questions/<int:question_id>/edit/", views_bank.question_edit, name="bank_question_edit"),
    path("bank/versions/<int:version_id>/status/", views_bank.version_status, name="bank_version_status"),
    path("bank/categories/", views_bank.category_list, name="bank_categories"),
    path("bank/import/", views_bank.import_questions, name="bank_import"),
    path("bank/import/template.xlsx", views_bank.import_template, name="bank_import_template"),
]
