"""Data the table readers ship: the synonym table and the missing-value codes."""
