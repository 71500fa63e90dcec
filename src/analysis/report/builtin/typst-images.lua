--[[
Alternative text of images in the PDF, for the built-in renderer's typst output.

Pandoc's typst writer does not pass an image's alternative text to typst's `image()`
(jgm/pandoc#11394). Quarto works around it in its own filters
(src/resources/filters/quarto-post/typst.lua): an image with alternative text becomes the
raw typst `#box(image("path", alt: "text"))`. This filter does the same, after the
crossref filter has put each figure's `fig-alt` (or its caption) into the image's
description, so the PDF's image carries the same text as the HTML's `alt`.
]]

local function typst_string(text)
  return '"' .. text:gsub("\\", "\\\\"):gsub('"', '\\"') .. '"'
end

function Image(img)
  if not FORMAT:match("typst") then
    return nil
  end
  local alt = pandoc.utils.stringify(img.caption)
  if alt == "" then
    return nil
  end
  local src = img.src:gsub("\\", "/")
  return pandoc.RawInline("typst", "#box(image(" .. typst_string(src) .. ", alt: " .. typst_string(alt) .. "))")
end
