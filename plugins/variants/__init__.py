"""The variants plugin (under construction)."""
