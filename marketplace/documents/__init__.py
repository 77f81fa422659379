"""Documents Kesher hands out (agreements, reports, invoices) and how they are rendered."""
