-- llmsight for Neovim 0.7+: one language server (`llm-lint lsp`) per project for Python buffers, started
-- the way each Neovim version expects:
--   0.7        vim.lsp.start_client + vim.lsp.buf_attach_client
--   0.8–0.10   vim.lsp.start (reuses the client of the same name and root)
--   0.11+      vim.lsp.config + vim.lsp.enable (lsp/llmsight.lua beside this file holds the defaults)
--
--   require("llmsight").setup({
--     cmd = { "/path/to/venv/bin/llm-lint", "lsp" },   -- default: llm-lint on PATH
--     settings = { trafficDb = ".llmsight/traffic.duckdb", select = {}, ignore = {}, debounceMs = 150 },
--   })
local M = {}

M.defaults = {
  -- `llm-lint lsp`, not `python -m llmsight lsp`: that would put the project folder first on sys.path and
  -- import a repository's own `llmsight/` package in place of the installed one
  cmd = { "llm-lint", "lsp" },
  interpreter = nil, -- instead of cmd: a Python with llmsight[lsp], e.g. "/path/to/venv/bin/python"
  root_markers = { "pyproject.toml", ".git", "setup.cfg", "setup.py" },
  settings = {}, -- trafficDb, select, ignore, debounceMs, diagnosticMode, inlayHints, codeLens
  filetypes = { "python" },
}

-- `interpreter` runs the server like `python -m llmsight lsp`, minus the project folder on sys.path
local SAFE_START = "import sys; del sys.path[0]; import runpy; runpy.run_module('llmsight', run_name='__main__', alter_sys=True)"

local function command(opts)
  return opts.interpreter and { opts.interpreter, "-c", SAFE_START, "lsp" } or opts.cmd
end

local function has(version)
  return vim.fn.has("nvim-" .. version) == 1
end

-- The nearest directory holding one of `markers`, else the file's own directory.
function M.find_root(path, markers)
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

local function client_config(opts, root)
  return {
    name = "llmsight",
    cmd = command(opts),
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = vim.fn.fnamemodify(root, ":t") } },
    init_options = { llmsight = opts.settings },
    settings = { llmsight = opts.settings },
    on_attach = opts.on_attach,
    capabilities = opts.capabilities,
  }
end

local clients = {} -- 0.7: root directory -> client id, one server per project

-- Start (or reuse) the server for the project holding `bufnr` and attach the buffer (Neovim 0.7–0.10);
-- returns the client id.
function M.start(opts, bufnr)
  opts = vim.tbl_deep_extend("force", M.defaults, opts or {})
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local name = vim.api.nvim_buf_get_name(bufnr)
  local root = opts.root_dir or M.find_root(name ~= "" and name or vim.fn.getcwd() .. "/untitled.py", opts.root_markers)
  local config = client_config(opts, root)
  if has("0.8") then
    return vim.lsp.start(config, { bufnr = bufnr })
  end
  local id = clients[root]
  if id == nil or vim.lsp.get_client_by_id(id) == nil then
    id = vim.lsp.start_client(config)
    if id == nil then
      vim.notify("llmsight: could not start " .. table.concat(config.cmd, " ")
        .. "; install llmsight[lsp] into that environment", vim.log.levels.ERROR)
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
  if has("0.11") then
    vim.lsp.config("llmsight", {
      cmd = command(opts),
      filetypes = opts.filetypes,
      root_markers = opts.root_markers,
      init_options = { llmsight = opts.settings },
      settings = { llmsight = opts.settings },
      on_attach = opts.on_attach,
      capabilities = opts.capabilities,
    })
    vim.lsp.enable("llmsight")
    return
  end
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
