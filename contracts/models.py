"""Contracts, providers and invoices: the models arrive with the contracts issue (#3)."""
