"""Writers for the workbooks and summaries Credit Desk produces."""
