"""Model layer: a scenario compiled to integer-indexed arrays (the Network)."""
