"""Evaluation pages: thin views over evaluation/access.py and evaluation/actions.py."""
