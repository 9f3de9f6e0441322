"""sqltext."""
