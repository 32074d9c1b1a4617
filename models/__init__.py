"""Machine-learning backends for the simulator (imported lazily; needs the `ml` extra)."""
