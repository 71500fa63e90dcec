-- The edition of the report (its release and the data's cut-off, from the metadata key
-- `edition` that the build writes into _generated/metadata.yml) as the first line of the
-- HTML page. The PDF shows it in its title block (assets/typst). Run by both renderers.
function Pandoc(doc)
  if not FORMAT:match("html") or doc.meta.edition == nil then
    return nil
  end
  local text = pandoc.utils.stringify(doc.meta.edition)
  table.insert(doc.blocks, 1, pandoc.Div({pandoc.Para({pandoc.Str(text)})}, pandoc.Attr("", {"edition"})))
  return doc
end
