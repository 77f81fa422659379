"""Community health from owners' chat exports: upload, preview what is kept, confirm as evidence."""
