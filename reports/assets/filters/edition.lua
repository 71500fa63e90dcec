-- The edition of the report (its release and the data's cut-off, and whether claims of
-- parties to the conflict are left out: the metadata key `edition` that the build writes
-- into _generated/metadata.yml) under the title of the HTML page, as the last line of the
-- subtitle, where both pandoc's and Quarto's title blocks show it above the summary and
-- the contents. The PDF shows it in its title block (assets/typst). Run by both renderers.
function Pandoc(doc)
  if not FORMAT:match("html") or doc.meta.edition == nil then
    return nil
  end
  local edition = pandoc.Span({ pandoc.Str(pandoc.utils.stringify(doc.meta.edition)) }, pandoc.Attr("", { "edition" }))
  local subtitle = doc.meta.subtitle and pandoc.Inlines(doc.meta.subtitle) or pandoc.Inlines({})
  if #subtitle > 0 then
    subtitle:insert(pandoc.Space())
  end
  subtitle:insert(edition)
  doc.meta.subtitle = subtitle
  return doc
end
