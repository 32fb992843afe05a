-- Neovim >= 0.11: with this directory's parent on 'runtimepath' (or this file copied to ~/.config/nvim/lsp/),
--   vim.lsp.enable("llmsight")
-- starts `llm-lint lsp` for Python buffers; override any field with vim.lsp.config("llmsight", {...}).
-- Inlay hints (cost and p95 after each call): vim.lsp.inlay_hint.enable(true).
return {
  -- not `python3 -m llmsight`: that imports a repository's own `llmsight/` package from the project folder
  cmd = { "llm-lint", "lsp" },
  filetypes = { "python" },
  root_markers = { "pyproject.toml", ".git" },
  init_options = { llmsight = { debounceMs = 150 } },
  settings = { llmsight = {} },
}
