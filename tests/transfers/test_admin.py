"""The admin shows every transfer model under the transfers app, view only: rounds and
selections change through the audited actions, never by hand."""

from django.urls import reverse

from transfers.models import Candidate, CriteriaSet, LeaderSelection, PanelScore, TransferRound


def test_transfer_models_are_listed_under_their_vietnamese_names(cast, client):
    client.force_login(cast.admin)
    page = client.get(reverse("admin:index")).content.decode()
    assert "Điều động, biệt phái, thi tuyển lãnh đạo" in page
    for model in (TransferRound, Candidate, CriteriaSet, LeaderSelection, PanelScore):
        assert str(model._meta.verbose_name_plural).capitalize() in page
        changelist = client.get(reverse(f"admin:transfers_{model._meta.model_name}_changelist"))
        assert changelist.status_code == 200


def test_transfer_rows_cannot_be_added_in_the_admin(cast, client):
    client.force_login(cast.admin)
    assert client.get(reverse("admin:transfers_transferround_add")).status_code == 403
    assert client.get(reverse("admin:transfers_panelscore_add")).status_code == 403
