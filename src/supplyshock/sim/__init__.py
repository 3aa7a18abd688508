"""Simulation layer: the daily step, dated policy processes, recording, and ``run``."""
