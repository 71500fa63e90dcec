"""The validator of Quarto's own YAML schemas (analysis.report.schema) on small inline
configurations, against the schema files of Quarto 1.10.18.

The schemas are not part of the repository: they are read from the folder
analysis.config.QUARTO_SCHEMA_DIR names (../shared/reference/quarto-schema-1.10.18/ by
default, or COERCION_QUARTO_SCHEMA_DIR). Without them these tests fail: a check of the
report's sources that silently did not run would pass for one that did.
"""

from __future__ import annotations

import pytest
import yaml

from analysis import config
from analysis.report.schema import QuartoSchemas, SchemaError


@pytest.fixture(scope="module")
def schemas() -> QuartoSchemas:
    try:
        return QuartoSchemas(config.QUARTO_SCHEMA_DIR)
    except SchemaError as exc:
        pytest.fail(str(exc))


def project(schemas: QuartoSchemas, text: str) -> list[str]:
    return schemas.check_project(yaml.safe_load(text), "_quarto.yml")


VALID = """
project: {type: default, output-dir: output, render: [report.qmd]}
lang: en
toc-title: Contents
metadata-files: [_generated/metadata.yml]
filters: [{at: pre-ast, path: assets/filters/callout.lua}]
format:
  html: {minimal: true, css: assets/report.css, embed-resources: true, html-math-method: mathml, toc: true, toc-depth: 2}
  typst: {papersize: a4, fontsize: 10.5pt, toc: true, template-partials: [assets/typst/page.typ]}
"""


def test_a_valid_configuration_passes(schemas):
    assert project(schemas, VALID) == []


@pytest.mark.parametrize(("old", "new", "problem"), [
    ("toc-title:", "toc-titel:", "_quarto.yml: toc-titel: not an option Quarto knows (did you mean toc-title?)"),
    ("output-dir:", "output-dri:", "_quarto.yml: project.output-dri: not an option Quarto knows here (did you mean output-dir?)"),
    ("minimal:", "minmal:", "_quarto.yml: format.html.minmal: not an option Quarto knows (did you mean minimal?)"),
    ("  typst:", "  typts:", "_quarto.yml: format.typts: not an output format (did you mean typst?)"),
])
def test_a_misspelt_key_is_refused(schemas, old, new, problem):
    # Quarto itself accepts unknown keys at the top level and in a format, so a typo there
    # would silently do nothing; the project's check refuses it.
    assert project(schemas, VALID.replace(old, new, 1)) == [problem]


@pytest.mark.parametrize(("old", "new", "problem"), [
    ("toc: true, toc-depth: 2", "toc: 'yes', toc-depth: 2", "_quarto.yml: format.html.toc: 'yes' is not true or false"),
    ("toc-depth: 2", "toc-depth: two", "_quarto.yml: format.html.toc-depth: 'two' is not a number"),
    ("lang: en", "lang: 3", "_quarto.yml: lang: 3 is not a string"),
    ("html-math-method: mathml", "html-math-method: mathmll",
     "_quarto.yml: format.html.html-math-method: 'mathmll' is not one of plain, webtex, gladtex, mathml, mathjax, katex or a mapping"),
    ("at: pre-ast", "at: pre-astt", "_quarto.yml: filters[0].at: 'pre-astt' is not one of pre-ast, post-ast, pre-quarto, "
     "post-quarto, pre-render, post-render, pre-finalize, post-finalize"),
    ("render: [report.qmd]", "render: report.qmd", "_quarto.yml: project.render: 'report.qmd' is not a list"),
])
def test_a_wrongly_typed_value_is_refused(schemas, old, new, problem):
    assert project(schemas, VALID.replace(old, new, 1)) == [problem]


def test_an_option_of_another_format_is_refused(schemas):
    # `minimal` is tagged formats: [$html-doc] in document-options.yml.
    assert project(schemas, VALID.replace("papersize: a4", "papersize: a4, minimal: true")) == [
        "_quarto.yml: format.typst.minimal: an option Quarto does not apply to the typst format"
    ]


def test_front_matter(schemas):
    assert schemas.check_front_matter({"title": "T", "subtitle": "S", "date": "2025-06-01", "lang": "en"}, "r.qmd") == []
    assert schemas.check_front_matter({"date": {"value": "2025-06-01", "format": "iso"}}, "r.qmd") == []
    assert schemas.check_front_matter({"date": {"valeu": "2025-06-01"}}, "r.qmd") == [
        "r.qmd: date: value is required", "r.qmd: date.valeu: not an option Quarto knows here (did you mean value?)"
    ]
    # Project options are not document options.
    assert schemas.check_front_matter({"project": {"type": "default"}}, "r.qmd") == ["r.qmd: project: not an option Quarto knows"]


def test_an_unknown_construct_is_an_error_not_a_pass(schemas):
    with pytest.raises(SchemaError, match=r"uses \['oneOf'\] this validator does not implement"):
        schemas.check(1, {"oneOf": ["number"]}, "x")


def test_a_missing_schema_folder_says_where_they_are_read_from(tmp_path):
    with pytest.raises(SchemaError, match=r"Quarto's schema files .* are not there; .*COERCION_QUARTO_SCHEMA_DIR"):
        QuartoSchemas(tmp_path / "nowhere")
