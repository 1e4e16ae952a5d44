"""Click commands, one module per command group. Heavy imports stay inside the functions."""
