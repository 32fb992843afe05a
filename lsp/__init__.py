"""llmsight."""
