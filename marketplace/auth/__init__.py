"""Accounts, roles, sign-in sessions and passwords."""
