"""llmsight: LLM call-site analysis, cost/latency estimates and what-if replay."""
__version__ = "0.1.0"
