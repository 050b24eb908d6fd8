"""The enrichment plugin (under construction)."""
