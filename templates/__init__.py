"""The report template, its CSS and JavaScript (package data)."""
