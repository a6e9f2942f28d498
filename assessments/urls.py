"""The assessments pages (included at the site root): the question bank, the candidates'
exam pages and the proctors' monitor, the exam managers' pages, and the results."""

from django.urls import path

from assessments.views import bank, exams, recruitment, remarks, results, sitting_records, sittings, take

urlpatterns = [
    # The question bank.
    path("bank/", bank.question_list, name="bank_question_list"),
    path("bank/questions/new/", bank.question_create, name="bank_question_create"),
    path("bank/questions/<int:question_id>/", bank.question_detail, name="bank_question_detail"),
    path("bank/questions/<int:question_id>/edit/", bank.question_edit, name="bank_question_edit"),
    path("bank/versions/<int:version_id>/status/", bank.version_status, name="bank_version_status"),
    path("bank/categories/", bank.category_list, name="bank_categories"),
    path("bank/import/", bank.import_questions, name="bank_import"),
    path("bank/import/template.xlsx", bank.import_template, name="bank_import_template"),
    # The candidate's exam pages and the proctors' monitor.
    path("assessments/take/", take.take_list, name="take_list"),
    path("assessments/take/<int:exam_id>/", take.take_exam, name="take_exam"),
    path("assessments/take/<int:exam_id>/result/", take.take_result, name="take_result"),
    path("assessments/exams/<int:exam_id>/monitor/", take.take_monitor, name="take_monitor"),
    path("assessments/exams/<int:exam_id>/monitor/action/", take.take_monitor_action, name="take_monitor_action"),
    # The exam managers' pages.
    path("assessments/exams/", exams.exam_list, name="exam_list"),
    path("assessments/exams/new/", exams.exam_create, name="exam_create"),
    path("assessments/exams/<int:exam_id>/", exams.exam_detail, name="exam_detail"),
    path("assessments/exams/<int:exam_id>/settings/", sittings.exam_settings, name="exam_settings"),
    # Sittings (ca thi): set-up by the exam's managers, check-in at the door by its proctors.
    path("assessments/exams/<int:exam_id>/sittings/new/", sittings.sitting_create, name="sitting_create"),
    path("assessments/exams/<int:exam_id>/sittings/<int:sitting_id>/edit/", sittings.sitting_edit, name="sitting_edit"),
    path("assessments/sittings/", sittings.my_sittings, name="my_sittings"),
    path("assessments/sittings/<int:sitting_id>/", sittings.sitting_checkin, name="sitting_checkin"),
    path(
        "assessments/sittings/<int:sitting_id>/action/", sittings.sitting_checkin_action, name="sitting_checkin_action"
    ),
    # A sitting's records: incidents, minutes, signing list, seal.
    path("assessments/sittings/<int:sitting_id>/records/", sitting_records.sitting_records, name="sitting_records"),
    path("assessments/sittings/<int:sitting_id>/incidents/", sitting_records.sitting_incident, name="sitting_incident"),
    path(
        "assessments/sittings/<int:sitting_id>/minutes.pdf",
        sitting_records.sitting_minutes_pdf,
        name="sitting_minutes_pdf",
    ),
    path(
        "assessments/sittings/<int:sitting_id>/minutes/sign/",
        sitting_records.sitting_minutes_sign,
        name="sitting_minutes_sign",
    ),
    path(
        "assessments/sittings/<int:sitting_id>/minutes/signed.pdf",
        sitting_records.sitting_minutes_signed_pdf,
        name="sitting_minutes_signed_pdf",
    ),
    path(
        "assessments/sittings/<int:sitting_id>/sign-list.pdf",
        sitting_records.sitting_sign_list_pdf,
        name="sitting_sign_list_pdf",
    ),
    path("assessments/sittings/<int:sitting_id>/seal/", sitting_records.sitting_seal, name="sitting_seal"),
    path("assessments/sittings/<int:sitting_id>/verify/", sitting_records.sitting_verify, name="sitting_verify"),
    # Results.
    path("assessments/results/", results.results_index, name="results_index"),
    path("assessments/results/<int:exam_id>/recruitment/", recruitment.recruitment_page, name="results_recruitment"),
    path("assessments/results/<int:exam_id>/", results.results_exam, name="results_exam"),
    path("assessments/results/<int:exam_id>/score/", results.results_score, name="results_score"),
    path("assessments/results/<int:exam_id>/publish/", results.results_publish, name="results_publish"),
    path("assessments/results/<int:exam_id>/results.xlsx", results.results_xlsx, name="results_xlsx"),
    path("assessments/results/<int:exam_id>/results.pdf", results.results_pdf, name="results_pdf"),
    path("assessments/results/<int:exam_id>/sign/", results.results_sign, name="results_sign"),
    path("assessments/results/<int:exam_id>/signed.pdf", results.results_signed_pdf, name="results_signed_pdf"),
    path(
        "assessments/results/<int:exam_id>/item-analysis/", results.results_item_analysis, name="results_item_analysis"
    ),
    path(
        "assessments/results/<int:exam_id>/item-analysis.pdf",
        results.results_item_analysis_pdf,
        name="results_item_analysis_pdf",
    ),
    path(
        "assessments/results/<int:exam_id>/key-correction/",
        results.results_key_correction,
        name="results_key_correction",
    ),
    path("assessments/results/<int:exam_id>/mine/", results.results_mine, name="results_mine"),
    path("assessments/results/<int:exam_id>/mine.pdf", results.results_mine_pdf, name="results_mine_pdf"),
    # Re-marking (phúc khảo).
    path("assessments/results/<int:exam_id>/remark/", remarks.remark_request, name="remark_request"),
    path("assessments/results/<int:exam_id>/remarks/", remarks.remark_list, name="remark_list"),
    path("assessments/remarks/<int:remark_id>/", remarks.remark_review, name="remark_review"),
    path("assessments/remarks/<int:remark_id>/decide/", remarks.remark_decide, name="remark_decide"),
    path("assessments/remarks/<int:remark_id>/decision.pdf", remarks.remark_decision_pdf, name="remark_decision_pdf"),
]
