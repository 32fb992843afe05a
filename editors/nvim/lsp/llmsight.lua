-- Neovim >= 0.11: put this directory on 'runtimepath' (or copy this file to ~/.config/nvim/lsp/),
-- then `vim.lsp.enable("llmsight")`. Inlay hints: `vim.lsp.inlay_hint.enable(true)`.
return {
  -- not `python3 -m llmsight`: that imports a repository's own `llmsight/` package from the project folder
  cmd = { "llm-lint", "lsp" },
  filetypes = { "python" },
  root_markers = { "pyproject.toml", ".git" },
  init_options = { llmsight = { debounceMs = 150 } },
  settings = { llmsight = {} },
}
