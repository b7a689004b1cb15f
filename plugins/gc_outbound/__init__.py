"""gc plugin 'outbound' (under construction)."""
