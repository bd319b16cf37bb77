"""Reading user files into typed tables, and writing workbooks; no Qt here."""
