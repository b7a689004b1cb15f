"""gc plugin 'zoom' (under construction)."""
