"""Credit Desk: customer credit rating, payment terms and approvals for finance departments."""

__version__ = "0.1.0"
