"""What llmsight knows about models, as data with sources (design §4; user docs: docs/knowledge.md).

- `catalog`: prices and context windows from litellm's bundled price map (read, never imported);
  `Catalog.cost` equals `litellm.cost_per_token`.
- `tokens`: offline tiktoken counts from litellm's bundled encoding files.
- `models`: floating aliases and snapshots, deprecations and successors, prompt-cache minimums.
- `priors`: latency and quality priors per model family, used only without traffic.
- `pricing`: quotes for `llm-lint price`.
- `sdk_defaults`: what each SDK does when the code states no timeout or retries.
"""
