"""Thin command-line faces over the pure core: one module per sub-command."""
