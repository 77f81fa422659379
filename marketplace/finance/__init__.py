"""Finance: brand invoices and payments, owner payouts, the ledger, reconciliation."""
