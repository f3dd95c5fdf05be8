"""C6 Access-control governance: systems, accounts, grants, access reviews, reconciliation."""
