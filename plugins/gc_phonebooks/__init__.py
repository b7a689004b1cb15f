"""gc plugin 'phonebooks' (under construction)."""
