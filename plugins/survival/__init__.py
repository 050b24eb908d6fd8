"""The survival plugin (under construction)."""
