-- Run by tests/editors/test_nvim.py:  nvim --headless -u NONE app.py -c 'luafile nvim_quickfix.lua'
-- Env: LLMSIGHT_REPO, LLMSIGHT_PYTHON, LLMSIGHT_OUT (JSON written here). Works on Neovim 0.7.
local out = {}
local function finish()
  local f = io.open(os.getenv("LLMSIGHT_OUT"), "w")
  f:write(vim.fn.json_encode(out))
  f:close()
  vim.cmd("qa!")
end

local ok, err = pcall(function()
  package.path = os.getenv("LLMSIGHT_REPO") .. "/editors/nvim/lua/?.lua;" .. package.path
  local llmsight = require("llmsight")
  local id = llmsight.start({ cmd = { os.getenv("LLMSIGHT_PYTHON"), "-m", "llmsight", "lsp" } }, 0)
  out.client_started = id ~= nil
  out.got_diagnostics = vim.wait(20000, function() return #vim.diagnostic.get(0) > 0 end, 50)
  out.before = {}
  for _, d in ipairs(vim.diagnostic.get(0)) do
    table.insert(out.before, { code = d.user_data and d.user_data.lsp and d.user_data.lsp.code or d.code,
                               lnum = d.lnum, col = d.col, message = d.message })
  end

  -- the quick-fix for the first missing timeout, as vim.lsp.buf.code_action would ask for it
  local target
  for lnum = 0, vim.api.nvim_buf_line_count(0) - 1 do
    for _, d in ipairs(vim.lsp.diagnostic.get_line_diagnostics(0, lnum)) do
      if target == nil and d.code == "LLM001" then target = d end
    end
  end
  out.fixed_line = target.range.start.line
  local params = { textDocument = vim.lsp.util.make_text_document_params(), range = target.range,
                   context = { diagnostics = { target } } }
  local responses = vim.lsp.buf_request_sync(0, "textDocument/codeAction", params, 10000)
  local action
  for _, response in pairs(responses or {}) do
    for _, a in ipairs(response.result or {}) do
      if action == nil and a.edit ~= nil and a.kind == "quickfix" then action = a end
    end
  end
  out.action_title = action and action.title
  vim.lsp.util.apply_workspace_edit(action.edit, "utf-16")
  out.fixed_text = vim.api.nvim_buf_get_lines(0, target.range.start.line, target.range["end"].line + 1, false)

  -- the edit is sent as didChange; wait until the server re-checked and the LLM001 on that line is gone
  out.cleared = vim.wait(20000, function()
    for _, d in ipairs(vim.diagnostic.get(0)) do
      local code = d.user_data and d.user_data.lsp and d.user_data.lsp.code or d.code
      if code == "LLM001" and d.lnum == target.range.start.line then return false end
    end
    return #vim.diagnostic.get(0) > 0
  end, 50)
  out.after = #vim.diagnostic.get(0)
  out.buffer = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\n")
end)
out.error = not ok and tostring(err) or nil
finish()
