"""gc plugin 'supervisor' (under construction)."""
