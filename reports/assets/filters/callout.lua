--[[
The report's callouts, `::: {.callout-note}` (also -tip, -important, -warning, -caution),
for both renderers: _quarto.yml runs this filter at Quarto's `pre-ast` entry point, before
Quarto reads callouts itself, and the built-in renderer runs it first too. Quarto's own
callouts would be plain blockquotes in its minimal HTML and Quarto-styled boxes with icons
(from a typst package) in its PDF; these look the same under both renderers.

The title is the `title` attribute or the callout's first heading, else the kind's name.
HTML: `div.report-callout.report-callout-KIND` holding `.report-callout-title` and
`.report-callout-body`, styled by reports/assets/report.css (no class starts with
`callout`, so Quarto does not read the result as a callout again). Typst: a call of the
`callout` function of reports/assets/typst/typst-template.typ. The title stays Markdown
inlines in both, so cross-references and shortcodes in it are still resolved later.
]]

local TITLES = { note = "Note", tip = "Tip", important = "Important", warning = "Warning", caution = "Caution" }
local READER = "markdown-raw_html-raw_tex-raw_attribute"

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

local function title_and_body(div, kind)
  local body = pandoc.Blocks({})
  local title
  if div.attributes.title then
    title = pandoc.utils.blocks_to_inlines(pandoc.read(div.attributes.title, READER).blocks)
  end
  for i, block in ipairs(div.content) do
    if i == 1 and block.t == "Header" and not title then
      title = block.content
    else
      body:insert(block)
    end
  end
  return title or pandoc.Inlines({ pandoc.Str(TITLES[kind]) }), body
end

function Div(div)
  local kind = callout_kind(div)
  if not kind then
    return nil
  end
  local title, body = title_and_body(div, kind)

  if FORMAT:match("typst") then
    local call = pandoc.Inlines({ pandoc.RawInline("typst", '#callout(kind: "' .. kind .. '", title: [') })
    call:extend(title)
    call:insert(pandoc.RawInline("typst", "])["))
    local out = pandoc.Blocks({ pandoc.Plain(call) })
    out:extend(body)
    out:insert(pandoc.RawBlock("typst", "]"))
    return out
  end
  return pandoc.Div({
    pandoc.Div({ pandoc.Plain(title) }, pandoc.Attr("", { "report-callout-title" })),
    pandoc.Div(body, pandoc.Attr("", { "report-callout-body" })),
  }, pandoc.Attr(div.identifier, { "report-callout", "report-callout-" .. kind }, { role = "note" }))
end
