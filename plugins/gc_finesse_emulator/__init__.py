"""gc plugin 'finesse_emulator' (under construction)."""
