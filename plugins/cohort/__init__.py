"""The cohort plugin (under construction)."""
