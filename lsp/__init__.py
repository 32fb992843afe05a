"""llmsight's language server (`llm-lint lsp`): server.py wires the features (one module each) to
the analysis process (worker.py), which calls `llmsight.api.check_source`."""
