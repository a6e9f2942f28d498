"""Models for point-based transfer/secondment rounds and leader selection (to be built)."""
