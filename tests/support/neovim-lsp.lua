-- Run by tests/neovim.rs: `nvim --headless --clean -c "luafile THIS"`.
-- Starts the language server with Neovim's built-in client (0.7 and later),
-- opens ASL_FILE, waits for our diagnostics, applies the machine-applicable
-- code action of the `dropped-guard` finding and writes what it saw and the
-- buffer's text afterwards to ASL_OUT. Nothing is saved.
local out = assert(io.open(os.getenv("ASL_OUT"), "w"))

local function run()
  local client = vim.lsp.start_client({
    name = "async-sync-lint",
    cmd = { os.getenv("ASL_BIN"), "async-sync-lint", "server" },
    root_dir = os.getenv("ASL_ROOT"),
  })
  assert(client, "the client did not start")
  vim.cmd("edit " .. vim.fn.fnameescape(os.getenv("ASL_FILE")))
  local buf = vim.api.nvim_get_current_buf()
  vim.lsp.buf_attach_client(buf, client)

  local function ours()
    local found = {}
    for _, d in ipairs(vim.diagnostic.get(buf)) do
      if d.source == "async-sync-lint" then
        -- Back to the protocol's form (Neovim keeps the code in user_data).
        local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
        table.insert(found, {
          code = code,
          message = d.message,
          source = d.source,
          range = {
            start = { line = d.lnum, character = d.col },
            ["end"] = { line = d.end_lnum, character = d.end_col },
          },
        })
      end
    end
    return found
  end
  assert(vim.wait(60000, function() return #ours() > 0 end, 20), "no diagnostics were published")
  local target
  for _, d in ipairs(ours()) do
    out:write("diagnostic: " .. d.code .. " " .. d.range.start.line .. ":" .. d.range.start.character .. "\n")
    if d.code == "dropped-guard" then
      target = d
    end
  end
  assert(target, "no dropped-guard diagnostic")

  local params = {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    range = target.range,
    context = { diagnostics = { target } },
  }
  local responses = assert(vim.lsp.buf_request_sync(buf, "textDocument/codeAction", params, 60000))
  for _, response in pairs(responses) do
    for _, action in ipairs(response.result or {}) do
      out:write("action: " .. action.title .. "\n")
      if action.isPreferred then
        vim.lsp.util.apply_workspace_edit(action.edit, "utf-16")
        out:write("applied: " .. action.title .. "\n")
      end
    end
  end
  out:write("modified: " .. tostring(vim.bo[buf].modified) .. "\n")
  out:write("--- buffer\n")
  out:write(table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), "\n") .. "\n")
end

local ok, err = pcall(run)
if not ok then
  out:write("error: " .. tostring(err) .. "\n")
end
out:close()
vim.cmd("qa!")
