"""Budgets, plans and annual accounts: the models arrive with the annual-cycle issue (#4)."""
