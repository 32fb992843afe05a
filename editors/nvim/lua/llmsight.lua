-- llmsight for Neovim >= 0.7: start the language server (`python -m llmsight lsp`, minus the project folder on
-- sys.path) for Python buffers with vim.lsp.start_client.
-- (On Neovim >= 0.11 you can instead use lsp/llmsight.lua with vim.lsp.enable; see docs/editors.md.)
--
--   require("llmsight").setup({
--     interpreter = "python3",                 -- a Python with llmsight[lsp] installed
--     settings = { trafficDb = ".llmsight/traffic.duckdb", select = {}, ignore = {}, debounceMs = 150 },
--   })
local M = {}
-- `python -m llmsight` would put the project folder first on sys.path and import a repository's own
-- `llmsight/` package in place of the installed one: drop that entry before anything is imported
local SAFE_START = "import sys; del sys.path[0]; import runpy; runpy.run_module('llmsight', run_name='__main__', alter_sys=True)"

M.defaults = {
  interpreter = "python3",
  cmd = nil, -- overrides interpreter: the full command, e.g. { "/venv/bin/llm-lint", "lsp" }
  root_markers = { "pyproject.toml", ".git", "setup.cfg", "setup.py" },
  settings = {}, -- trafficDb, select, ignore, debounceMs, inlayHints, codeLens
  filetypes = { "python" },
}

local clients = {} -- root directory -> client id, one server per project

local function find_root(path, markers)
  local dir = vim.fn.fnamemodify(path, ":p:h")
  while dir and dir ~= "" do
    for _, marker in ipairs(markers) do
      if vim.loop.fs_stat(dir .. "/" .. marker) then
        return dir
      end
    end
    local parent = vim.fn.fnamemodify(dir, ":h")
    if parent == dir then
      break
    end
    dir = parent
  end
  return vim.fn.fnamemodify(path, ":p:h")
end

-- Start (or reuse) the server for the project holding `bufnr` and attach the buffer; returns the client id.
function M.start(opts, bufnr)
  opts = vim.tbl_deep_extend("force", M.defaults, opts or {})
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local name = vim.api.nvim_buf_get_name(bufnr)
  local root = opts.root_dir or find_root(name ~= "" and name or vim.fn.getcwd() .. "/untitled.py", opts.root_markers)
  local id = clients[root]
  if id == nil or vim.lsp.get_client_by_id(id) == nil then
    id = vim.lsp.start_client({
      name = "llmsight",
      cmd = opts.cmd or { opts.interpreter, "-c", SAFE_START, "lsp" },
      root_dir = root,
      workspace_folders = { { uri = vim.uri_from_fname(root), name = vim.fn.fnamemodify(root, ":t") } },
      init_options = { llmsight = opts.settings },
      settings = { llmsight = opts.settings },
      on_attach = opts.on_attach,
      capabilities = opts.capabilities,
    })
    if id == nil then
      vim.notify("llmsight: could not start " .. table.concat(opts.cmd or { opts.interpreter }, " ")
        .. "; install llmsight[lsp] into that Python", vim.log.levels.ERROR)
      return nil
    end
    clients[root] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
  return id
end

-- Attach every buffer of the configured filetypes, now and later.
function M.setup(opts)
  opts = vim.tbl_deep_extend("force", M.defaults, opts or {})
  local group = vim.api.nvim_create_augroup("llmsight", { clear = true })
  vim.api.nvim_create_autocmd("FileType", {
    group = group,
    pattern = opts.filetypes,
    callback = function(args)
      M.start(opts, args.buf)
    end,
  })
end

return M
