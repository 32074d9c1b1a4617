"""Pure call engine: scenarios, call state, callers, skills and scoring (no Flask, no torch)."""
