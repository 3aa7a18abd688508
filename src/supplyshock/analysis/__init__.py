"""Analysis on top of batches: global sensitivity (SALib) and an EMA Workbench adapter."""
