# The transfer and leader-selection models now belong to the transfers app, which took
# them over in its state (transfers 0001) without touching their tables. Here they leave
# assessments' state only: DeleteModel without a database operation, so every
# assessments_* table of theirs and every row in it stays.
# Dependents go first so that no remaining model in the state points at a removed one.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0002_transfers"),
        ("transfers", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name="PanelScore"),
                migrations.DeleteModel(name="PanelMember"),
                migrations.DeleteModel(name="LeaderCandidate"),
                migrations.DeleteModel(name="LeaderSelection"),
                migrations.DeleteModel(name="Objection"),
                migrations.DeleteModel(name="Evidence"),
                migrations.DeleteModel(name="Preference"),
                migrations.DeleteModel(name="Candidate"),
                migrations.DeleteModel(name="Computation"),
                migrations.DeleteModel(name="TargetPost"),
                migrations.DeleteModel(name="TransferRound"),
                migrations.DeleteModel(name="Criterion"),
                migrations.DeleteModel(name="CriteriaSet"),
            ],
        ),
    ]
