from django.urls import path

from transfers import views

urlpatterns = [
    path("transfers/", views.round_list, name="transfers_round_list"),
    path("transfers/rounds/<int:round_id>/", views.round_detail, name="transfers_round_detail"),
    path(
        "transfers/rounds/<int:round_id>/do/<slug:action>/",
        views.round_action,
        name="transfers_round_action",
    ),
    path("transfers/rounds/<int:round_id>/ranking.pdf", views.ranking_pdf, name="transfers_ranking_pdf"),
    path("transfers/rounds/<int:round_id>/decision.pdf", views.decision_pdf, name="transfers_decision_pdf"),
    path("transfers/rounds/<int:round_id>/decision/sign/", views.decision_sign, name="transfers_decision_sign"),
    path(
        "transfers/rounds/<int:round_id>/decision/signed.pdf",
        views.decision_signed_pdf,
        name="transfers_decision_signed_pdf",
    ),
    path("transfers/rounds/<int:round_id>/me/", views.my_row, name="transfers_my_row"),
    path("transfers/rounds/<int:round_id>/objections/", views.objections, name="transfers_objections"),
    path("transfers/leaders/<int:selection_id>/", views.leader_detail, name="transfers_leader_detail"),
    path("transfers/leaders/<int:selection_id>/results.pdf", views.leader_pdf, name="transfers_leader_pdf"),
    path("transfers/leaders/<int:selection_id>/sign/", views.leader_sign, name="transfers_leader_sign"),
    path(
        "transfers/leaders/<int:selection_id>/signed.pdf", views.leader_signed_pdf, name="transfers_leader_signed_pdf"
    ),
    path("transfers/leaders/<int:selection_id>/scores/", views.leader_scores, name="transfers_leader_scores"),
]
