"""Brand organisations: members, invitations and API tokens."""
