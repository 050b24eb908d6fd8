"""The ihc plugin (under construction)."""
