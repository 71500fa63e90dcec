--[[
Quarto wraps each embedded notebook output (`{{< embed >}}`) in a Div
`.quarto-embed-nb-cell` whose attributes are the notebook's absolute path, title and cell
id, around the cell's own Div `.cell`, which carries the notebook's metadata: papermill's
status, the tags, the execution count. In the HTML these become `data-notebook="/home/…"`
and `data-papermill=…`: build paths in a published file, and HTML that differs from one
machine to the next. Quarto strips the three notebook attributes only while it adds
notebook links with Bootstrap (never with `notebook-links: false` or `minimal: true`), and
the cell's metadata never; this filter, run by Quarto at `pre-ast` (see _quarto.yml),
strips them always.

Other attributes of a cell are Quarto's cell options (layout and the like) and stay. The
built-in renderer writes no such wrappers, so there this filter changes nothing.
]]

-- Notebook metadata that Jupyter, nbclient and papermill write into a cell.
local NOTEBOOK_METADATA = {
  "execution_count", "execution", "papermill", "tags", "collapsed", "scrolled",
  "jupyter", "editable", "deletable", "trusted", "slideshow", "vscode",
}

function Div(div)
  if div.classes:includes("quarto-embed-nb-cell") then
    div.attributes = {}
    return div
  end
  if div.classes:includes("cell") then
    for _, key in ipairs(NOTEBOOK_METADATA) do
      div.attributes[key] = nil
    end
    return div
  end
  return nil
end
