-- Run by tests/editors/test_nvim.py:  nvim --clean --headless -c 'luafile nvim_session.lua'
-- Starts llmsight with the recipe docs/editors.md gives for this Neovim version, opens app.py and does what a
-- user does: reads diagnostics, hovers a call, runs a code lens, applies a quick-fix. Works on 0.7 and 0.11.
-- Env: LLMSIGHT_REPO, LLMSIGHT_LLM_LINT (the llm-lint script), LLMSIGHT_OUT (JSON written here).
local out = { messages = {} }
local function finish()
  local f = io.open(os.getenv("LLMSIGHT_OUT"), "w")
  f:write(vim.fn.json_encode(out))
  f:close()
  vim.cmd("qa!")
end

local function lsp_code(d)
  return d.user_data and d.user_data.lsp and d.user_data.lsp.code or d.code
end

-- what the user would see: every window/showMessage the server sends, shown by Neovim's own handler
local show_message = vim.lsp.handlers["window/showMessage"]
vim.lsp.handlers["window/showMessage"] = function(err, result, ctx, config)
  table.insert(out.messages, { type = result.type, message = result.message })
  return show_message(err, result, ctx, config)
end

-- Is the character at (row, col) (0-based) of the hover float shown as emphasis, or as code?
local function style_at(win, buf, row, col)
  local emphasis, code = false, false
  if vim.fn.has("nvim-0.10") == 1 then   -- the float is highlighted by the markdown tree-sitter parsers
    for _, c in ipairs(vim.treesitter.get_captures_at_pos(buf, row, col)) do
      emphasis = emphasis or c.capture == "markup.italic" or c.capture == "markup.strong"
      code = code or c.capture == "markup.raw"
    end
  else                                   -- 0.7: by the lsp_markdown syntax stylize_markdown sets up
    vim.api.nvim_win_call(win, function()
      for _, id in ipairs(vim.fn.synstack(row + 1, col + 1)) do
        local name = vim.fn.synIDattr(id, "name")
        emphasis = emphasis or name:match("Italic") ~= nil or name:match("Bold") ~= nil
        code = code or name:match("Code") ~= nil
      end
    end)
  end
  return emphasis, code
end

local ok, err = pcall(function()
  local repo = os.getenv("LLMSIGHT_REPO")
  local cmd = { os.getenv("LLMSIGHT_LLM_LINT"), "lsp" }
  local settings = { trafficDb = "nowhere/traffic.duckdb" }   -- a store that does not exist: a warning to see
  vim.opt.runtimepath:append(repo .. "/editors/nvim")
  if vim.fn.has("nvim-0.11") == 1 then
    out.recipe = "vim.lsp.config"       -- the runtime file lsp/llmsight.lua gives the rest
    vim.lsp.config("llmsight", { cmd = cmd, settings = { llmsight = settings } })
    vim.lsp.enable("llmsight")
  else
    out.recipe = "setup"
    require("llmsight").setup({ cmd = cmd, settings = settings })
  end
  vim.cmd("edit app.py")
  out.got_diagnostics = vim.wait(30000, function() return #vim.diagnostic.get(0) > 0 end, 50)
  local clients = vim.lsp.get_active_clients and vim.lsp.get_active_clients() or vim.lsp.get_clients()
  out.client_started = #clients == 1 and clients[0 + 1].name == "llmsight"
  out.before = {}
  for _, d in ipairs(vim.diagnostic.get(0)) do
    table.insert(out.before, { code = lsp_code(d), lnum = d.lnum, col = d.col, message = d.message })
  end

  -- hover on the Anthropic call: the float as Neovim renders its Markdown
  local lines = vim.api.nvim_buf_get_lines(0, 0, -1, false)
  for lnum, line in ipairs(lines) do
    local col = line:find("messages.create(", 1, true)
    if col then
      vim.api.nvim_win_set_cursor(0, { lnum, col })
    end
  end
  local source_win = vim.api.nvim_get_current_win()
  vim.lsp.buf.hover()
  local float
  vim.wait(15000, function()
    for _, win in ipairs(vim.api.nvim_list_wins()) do
      if vim.api.nvim_win_get_config(win).relative ~= "" then float = win end
    end
    return float ~= nil
  end, 50)
  local buf = vim.api.nvim_win_get_buf(float)
  if vim.fn.has("nvim-0.10") == 1 then vim.treesitter.get_parser(buf):parse(true) end
  out.hover_lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  out.emphasized, out.stars = {}, {}   -- runs of text shown as emphasis; how each `*` is shown
  for row, line in ipairs(out.hover_lines) do
    local run = ""
    for col = 0, #line do
      local emphasis, code = false, false
      if col < #line then emphasis, code = style_at(float, buf, row - 1, col) end
      if emphasis then
        run = run .. line:sub(col + 1, col + 1)
      elseif run ~= "" then
        table.insert(out.emphasized, run)
        run = ""
      end
      if line:sub(col + 1, col + 1) == "*" then
        table.insert(out.stars, { row = row - 1, col = col, emphasis = emphasis, code = code })
      end
    end
  end
  vim.api.nvim_win_close(float, true)
  vim.api.nvim_set_current_win(source_win)

  -- a code lens, run as the user runs it: its answer comes back as a message
  vim.lsp.codelens.refresh()
  out.got_lenses = vim.wait(15000, function() return #vim.lsp.codelens.get(0) > 0 end, 50)
  local lens = vim.lsp.codelens.get(0)[1]
  out.lens_title = lens.command.title
  vim.api.nvim_win_set_cursor(0, { lens.range.start.line + 1, 0 })
  local before = #out.messages
  vim.lsp.codelens.run()
  out.lens_answered = vim.wait(30000, function() return #out.messages > before end, 50)

  -- the quick-fix for the first missing timeout, as vim.lsp.buf.code_action would ask for it
  local target   -- the diagnostic as the server sent it (0.10+ keep it whole in user_data.lsp)
  for _, d in ipairs(vim.diagnostic.get(0)) do
    if target == nil and lsp_code(d) == "LLM001" then
      if d.user_data.lsp.range then
        target = d.user_data.lsp
      else
        for _, l in ipairs(vim.lsp.diagnostic.get_line_diagnostics(0, d.lnum)) do
          if target == nil and l.code == "LLM001" then target = l end
        end
      end
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
      if lsp_code(d) == "LLM001" and d.lnum == target.range.start.line then return false end
    end
    return #vim.diagnostic.get(0) > 0
  end, 50)
  out.after = #vim.diagnostic.get(0)
  out.buffer = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\n")
end)
out.error = not ok and tostring(err) or nil
finish()
