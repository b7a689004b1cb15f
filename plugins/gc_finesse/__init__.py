"""gc plugin 'finesse' (under construction)."""
