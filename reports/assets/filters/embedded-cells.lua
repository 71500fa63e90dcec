--[[
Embedded notebook outputs (`{{< embed >}}`), the same under both renderers.

Quarto wraps each embedded output in a Div `.quarto-embed-nb-cell` whose attributes are
the notebook's absolute path, its title and the cell's id ("cell-<label>"), around the
cell's own Div `.cell`, which carries the notebook's metadata: papermill's status, the
tags, the execution count (src/core/jupyter/jupyter-embed.ts, jupyter.ts). The built-in
renderer writes the same wrapper (src/analysis/report/embed.py). This filter, run by both
at `pre-ast` (see _quarto.yml), reads the wrapper and then removes it:

1. Ids unique per notebook. The region profiles are one notebook executed once per region,
   so their labels (and Quarto's cell ids) repeat; every id in the wrapper that is not a
   cross-reference label (fig-, tbl-) gets the notebook's name appended
   ("region-summary" in regions/RU-CE.ipynb becomes "region-summary-RU-CE"), as the
   built-in renderer already writes it. An HTML page with two equal ids breaks links and
   assistive technology.
2. Figures legible on a phone (HTML only). The notebooks draw each figure twice, at the
   printed width and at a phone's, and keep the phone PNG in the output's metadata
   (key "coercion-monitor", field "phone_png"). The filter reads it from the notebook and
   puts it beside the printed image, as a data URI, with the same alternative text:
   `img.print-figure` and `img.phone-figure`, between which reports/assets/report.css
   chooses by the width of the screen (the one not shown is hidden from assistive
   technology too).
3. No build paths in the HTML, and no wrapper at all. The wrapper's attributes would become
   `data-notebook="/home/…"` and the cell's `data-papermill=…`: build paths in a published
   file, and HTML that differs from one machine to the next. Quarto strips the notebook
   attributes only while it adds notebook links with Bootstrap (never with
   `notebook-links: false` or `minimal: true`), and the cell's metadata never. The wrapper
   itself is replaced by its content: in the PDF it would be a block around the figure,
   inside which a figure cannot float to where the page has room.

Other attributes of a cell are Quarto's cell options (layout and the like) and stay.
]]

-- Notebook metadata that Jupyter, nbclient and papermill write into a cell.
local NOTEBOOK_METADATA = {
  "execution_count", "execution", "papermill", "tags", "collapsed", "scrolled",
  "jupyter", "editable", "deletable", "trusted", "slideshow", "vscode",
}
-- Where analysis.figures keeps the phone PNG in a figure output's metadata.
local OUTPUT_KEY = "coercion-monitor"
local PHONE_FIELD = "phone_png"

local notebooks = {}

local function read_notebook(path)
  if notebooks[path] == nil then
    local file = io.open(path, "r")
    if not file then
      notebooks[path] = false
    else
      local text = file:read("a")
      file:close()
      notebooks[path] = pandoc.json.decode(text, false) or false
    end
  end
  return notebooks[path] or nil
end

local function source_text(cell)
  local source = cell.source or ""
  return type(source) == "table" and table.concat(source) or source
end

-- The `#| label:` of a code cell, from its option lines.
local function cell_label(cell)
  for line in (source_text(cell) .. "\n"):gmatch("([^\n]*)\n") do
    local option = line:match("^#|%s?(.*)$")
    if not option then
      return nil
    end
    local value = option:match("^label:%s*(.-)%s*$")
    if value then
      return (value:gsub("^[\"'](.*)[\"']$", "%1"))
    end
  end
  return nil
end

-- The cell a wrapper names: "cell-<label>" (Quarto's id of a labelled cell), or the cell's id.
local function find_cell(notebook, cell_id)
  local label = cell_id:match("^cell%-(.+)$")
  for _, cell in ipairs(notebook.cells or {}) do
    if cell.id == cell_id or (label and cell.cell_type == "code" and cell_label(cell) == label) then
      return cell
    end
  end
  return nil
end

local function phone_png(path, cell_id)
  local notebook = path and cell_id and read_notebook(path)
  local cell = notebook and find_cell(notebook, cell_id)
  for _, output in ipairs(cell and cell.outputs or {}) do
    local meta = output.metadata and output.metadata[OUTPUT_KEY]
    if type(meta) == "table" and type(meta[PHONE_FIELD]) == "string" then
      return meta[PHONE_FIELD]
    end
  end
  return nil
end

local function is_crossref(id)
  return id:match("^fig%-") ~= nil or id:match("^tbl%-") ~= nil
end

local function unique_ids(div, stem)
  local suffix = "-" .. stem
  local function rename(el)
    local id = el.identifier
    if id and id ~= "" and not is_crossref(id) and id:sub(-#suffix) ~= suffix then
      el.identifier = id .. suffix
      return el
    end
    return nil
  end
  return div:walk({
    Div = rename, Span = rename, Figure = rename, Table = rename, Image = rename,
    Header = rename, CodeBlock = rename, Code = rename, Link = rename,
  })
end

local function with_phone_figure(div, png)
  return div:walk({
    Image = function(img)
      if img.classes:includes("phone-figure") then
        return nil
      end
      local phone = pandoc.Image(img.caption, "data:image/png;base64," .. png, img.title,
        pandoc.Attr("", { "phone-figure" }, img.attributes))
      img.classes:insert("print-figure")
      return { img, phone }
    end,
  })
end

function Div(div)
  if div.classes:includes("quarto-embed-nb-cell") then
    local path, cell_id = div.attributes["notebook"], div.attributes["notebook-cellId"]
    local stem = path and path:match("([^/\\]+)%.ipynb$")
    if stem then
      div = unique_ids(div, stem)
    end
    if FORMAT:match("html") then
      local png = phone_png(path, cell_id)
      if png then
        div = with_phone_figure(div, png)
      end
    end
    return div.content
  end
  if div.classes:includes("cell") then
    for _, key in ipairs(NOTEBOOK_METADATA) do
      div.attributes[key] = nil
    end
    return div
  end
  return nil
end
