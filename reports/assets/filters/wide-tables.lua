--[[
Tables that never make the page scroll sideways (HTML only), under both renderers.

A table wider than a phone's screen would widen the whole page, so that every line of text
scrolls sideways with it. Two things prevent it, both styled by reports/assets/report.css:

- a table of REFLOW_COLUMNS columns or more gets the class `reflow`, and each of its body
  cells the name of its column (`data-label`): on a narrow screen each row is then shown
  as a block of "column: value" lines, as phone pages of data do, instead of columns a
  word wide;
- each table (with its caption and notes: a `#tbl-` Div, an embedded table, or a table on
  its own) is put into a box of its own, `div.table-scroll`, which scrolls horizontally
  if the table still does not fit, while the page around it keeps the screen's width.
  The box is a named region that takes the keyboard's focus (tabindex 0), so it can be
  scrolled without a mouse, as WCAG 2.1 (2.1.1) asks of scrolling content.

Run at Quarto's `pre-ast` entry point (see _quarto.yml) and first by the built-in
renderer; the `#tbl-` Div itself is left as it is, for Quarto's and the built-in
renderer's cross-references to number.
]]

-- Tables with this many columns or more reflow into rows of "column: value" on a phone.
local REFLOW_COLUMNS = 4

local function header_names(tbl)
  local rows = tbl.head and tbl.head.rows or {}
  if #rows == 0 then
    return nil
  end
  local names = {}
  for _, cell in ipairs(rows[#rows].cells) do
    for _ = 1, cell.col_span do
      table.insert(names, pandoc.utils.stringify(cell.contents))
    end
  end
  return names
end

local function reflowing(tbl)
  local names = header_names(tbl)
  if not names or #names < REFLOW_COLUMNS then
    return tbl
  end
  for _, body in ipairs(tbl.bodies) do
    for _, row in ipairs(body.body) do
      local column = 1
      for _, cell in ipairs(row.cells) do
        cell.attributes["data-label"] = names[column] or ""
        column = column + cell.col_span
      end
    end
  end
  tbl.classes:insert("reflow")
  return tbl
end

local function caption_text(div)
  local last = div.content[#div.content]
  if last and (last.t == "Para" or last.t == "Plain") then
    return pandoc.utils.stringify(last)
  end
  return nil
end

local function scroll_box(block, label)
  -- A list of pairs, not a Lua table: its order is the attributes' order in the HTML, the
  -- same in every build.
  local attributes = { { "role", "region" }, { "tabindex", "0" }, { "aria-label", label and ("Table: " .. label) or "Table" } }
  return pandoc.Div({ block }, pandoc.Attr("", { "table-scroll" }, attributes))
end

local function is_table_div(div)
  return div.identifier:match("^tbl%-") ~= nil or div.classes:includes("embed-table")
end

function Pandoc(doc)
  if not FORMAT:match("html") then
    return nil
  end
  doc = doc:walk({ Table = reflowing })
  return doc:walk({
    traverse = "topdown",
    Div = function(div)
      if div.classes:includes("table-scroll") then
        return nil, false
      end
      if is_table_div(div) then
        return scroll_box(div, caption_text(div)), false
      end
      return nil
    end,
    Table = function(tbl)
      local caption = pandoc.utils.stringify(tbl.caption.long)
      return scroll_box(tbl, caption ~= "" and caption or nil), false
    end,
  })
end
