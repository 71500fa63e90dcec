--[[
Quarto-style figure and table cross-references, for the built-in renderer.

Numbered in document order, one counter per kind:
  figures  a Div `::: {#fig-x}` holding an image and, as its last paragraph, the caption;
           or an image with an id, `![caption](x.png){#fig-x}`;
  tables   a Div `::: {#tbl-x}` holding a table and, as its last paragraph, the caption;
           or a table captioned `: caption {#tbl-x}`.
Captions become "Figure N: caption"; `@fig-x` becomes a link "Figure N" and `[-@fig-x]`
a link "N". Divs with the class `embed-figure` or `embed-table` (written by the
preprocessor for embedded outputs whose label has no fig-/tbl- prefix) get the same
shape but no number. An unknown reference or a duplicate label is an error: a broken
reference must not reach a reader as "??".
]]

local NAMES = { fig = "Figure", tbl = "Table" }
local NBSP = "\u{00A0}"

local numbers = {} -- label -> number
local counters = { fig = 0, tbl = 0 }

local function prefix_of(id)
  local p = id and id:match("^(%a+)%-")
  if p and NAMES[p] then
    return p
  end
  return nil
end

local function embed_kind(el)
  if el.classes and el.classes:includes("embed-figure") then
    return "fig"
  elseif el.classes and el.classes:includes("embed-table") then
    return "tbl"
  end
  return nil
end

local function register(id)
  local p = prefix_of(id)
  if not p then
    return
  end
  if numbers[id] then
    error("duplicate cross-reference label '" .. id .. "': labels must be unique in the report")
  end
  counters[p] = counters[p] + 1
  numbers[id] = counters[p]
end

local function numbered_caption(id, inlines)
  local p = prefix_of(id)
  if not p then
    return pandoc.Inlines(inlines)
  end
  local out = pandoc.Inlines({ pandoc.Str(NAMES[p] .. NBSP .. numbers[id] .. ":"), pandoc.Space() })
  out:extend(inlines)
  return out
end

-- A Figure or Table pandoc made from a captioned image or table: its caption numbered.
local function number_caption(el)
  if prefix_of(el.identifier) and el.caption.long[1] then
    el.caption.long = { pandoc.Plain(numbered_caption(el.identifier, pandoc.utils.blocks_to_inlines(el.caption.long))) }
    return el
  end
end

-- Split a figure/table Div into its content and its caption (the last paragraph).
local function split_caption(div)
  local blocks = div.content
  local last = blocks[#blocks]
  if #blocks < 2 or not last or (last.t ~= "Para" and last.t ~= "Plain") then
    error("'" .. div.identifier .. "' has no caption: the last paragraph of a figure or table div is its caption")
  end
  local content = pandoc.Blocks({})
  for i = 1, #blocks - 1 do
    content:insert(blocks[i])
  end
  return content, last.content
end

local function figure_from_div(div)
  local content, caption = split_caption(div)
  -- An image alone in a paragraph may already be a Figure (implicit_figures): unwrap it.
  local body = pandoc.Blocks({})
  for _, b in ipairs(content) do
    if b.t == "Figure" then
      body:extend(b.content)
    elseif b.t == "Para" then
      body:insert(pandoc.Plain(b.content))
    else
      body:insert(b)
    end
  end
  local alt = pandoc.utils.stringify(caption)
  body = body:walk({
    Image = function(img)
      local given = img.attributes["fig-alt"]
      img.attributes["fig-alt"] = nil
      if given then
        img.caption = pandoc.Inlines({ pandoc.Str(given) })
      elseif #img.caption == 0 then
        img.caption = pandoc.Inlines({ pandoc.Str(alt) })
      end
      return img
    end,
  })
  local attr = pandoc.Attr(div.identifier, {}, {})
  return pandoc.Figure(body, { pandoc.Plain(numbered_caption(div.identifier, caption)) }, attr)
end

local function table_from_div(div)
  local content, caption = split_caption(div)
  local found = false
  local out = content:walk({
    Table = function(tbl)
      if found then
        return nil
      end
      found = true
      tbl.identifier = div.identifier
      tbl.caption = { long = { pandoc.Plain(numbered_caption(div.identifier, caption)) } }
      return tbl
    end,
  })
  if not found then
    error("'" .. div.identifier .. "' holds no table")
  end
  return out
end

local function collect(doc)
  doc:walk({
    traverse = "topdown",
    Div = function(div)
      if prefix_of(div.identifier) then
        register(div.identifier)
        return nil, false
      end
    end,
    Figure = function(fig)
      register(fig.identifier)
    end,
    Table = function(tbl)
      register(tbl.identifier)
    end,
  })
end

local function reference(citation)
  local id = citation.id
  -- `@Fig-x` asks for a capitalised prefix; ours are capitalised already.
  local lookup = id:sub(1, 1):lower() .. id:sub(2)
  local p = prefix_of(lookup)
  if not p then
    error("@" .. id .. " is not a cross-reference: the report has no bibliography, and only fig- and tbl- labels can be referenced")
  end
  local n = numbers[lookup]
  if not n then
    local known = {}
    for k, _ in pairs(numbers) do
      table.insert(known, k)
    end
    table.sort(known)
    error("unknown cross-reference @" .. id .. "; labels in the report: " .. table.concat(known, ", "))
  end
  local text = tostring(n)
  if citation.mode ~= "SuppressAuthor" then
    text = NAMES[p] .. NBSP .. text
  end
  return pandoc.Link(pandoc.Inlines({ pandoc.Str(text) }), "#" .. lookup)
end

local function transform(doc)
  return doc:walk({
    Div = function(div)
      local p = prefix_of(div.identifier) or embed_kind(div)
      if p == "fig" then
        return figure_from_div(div)
      elseif p == "tbl" then
        return table_from_div(div)
      end
    end,
    Figure = number_caption,
    Table = number_caption,
    Cite = function(cite)
      local out = pandoc.Inlines({})
      for i, c in ipairs(cite.citations) do
        if i > 1 then
          out:extend({ pandoc.Str(","), pandoc.Space() })
        end
        out:insert(reference(c))
      end
      return out
    end,
  })
end

function Pandoc(doc)
  collect(doc)
  return transform(doc)
end
