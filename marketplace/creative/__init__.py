"""Creative for a deal's placement: drafts, versions, images, comments and the approval chain."""
