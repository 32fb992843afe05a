-- Neovim >= 0.11: put this directory on 'runtimepath' (or copy this file to ~/.config/nvim/lsp/),
-- then `vim.lsp.enable("llmsight")`. Inlay hints: `vim.lsp.inlay_hint.enable(true)`.
return {
  cmd = { "python3", "-m", "llmsight", "lsp" },
  filetypes = { "python" },
  root_markers = { "pyproject.toml", ".git" },
  init_options = { llmsight = { debounceMs = 150 } },
  settings = { llmsight = {} },
}
