--[[
Quarto callouts for the built-in renderer: `::: {.callout-note}` (also -tip, -important,
-warning, -caution). The title is the `title` attribute or the callout's first heading,
else the kind's name. HTML gets `div.callout.callout-KIND` with a `.callout-title` and a
`.callout-body` (styled by reports/assets/report.css); typst gets a call of the
`callout` function defined in reports/assets/report-template.typ.
]]

local TITLES = { note = "Note", tip = "Tip", important = "Important", warning = "Warning", caution = "Caution" }

local function callout_kind(div)
  for _, class in ipairs(div.classes) do
    local kind = class:match("^callout%-(%a+)$")
    if kind then
      if not TITLES[kind] then
        error("unknown callout '" .. class .. "'; supported: callout-note, callout-tip, callout-important, callout-warning, callout-caution")
      end
      return kind
    end
  end
  return nil
end

local function typst_inlines(inlines)
  local text = pandoc.write(pandoc.Pandoc({ pandoc.Plain(inlines) }), "typst")
  return (text:gsub("%s+$", ""))
end

function Div(div)
  local kind = callout_kind(div)
  if not kind then
    return nil
  end
  local body = pandoc.Blocks({})
  local title
  if div.attributes.title then
    title = pandoc.utils.blocks_to_inlines(pandoc.read(div.attributes.title, "markdown-raw_html-raw_tex-raw_attribute").blocks)
  end
  for i, block in ipairs(div.content) do
    if i == 1 and block.t == "Header" and not title then
      title = block.content
    else
      body:insert(block)
    end
  end
  title = title or pandoc.Inlines({ pandoc.Str(TITLES[kind]) })

  if FORMAT:match("typst") then
    local out = pandoc.Blocks({
      pandoc.RawBlock("typst", '#callout(kind: "' .. kind .. '", title: [' .. typst_inlines(title) .. "])["),
    })
    out:extend(body)
    out:insert(pandoc.RawBlock("typst", "]"))
    return out
  end
  return pandoc.Div({
    pandoc.Div({ pandoc.Plain(title) }, pandoc.Attr("", { "callout-title" })),
    pandoc.Div(body, pandoc.Attr("", { "callout-body" })),
  }, pandoc.Attr(div.identifier, { "callout", "callout-" .. kind }, { role = "note" }))
end
