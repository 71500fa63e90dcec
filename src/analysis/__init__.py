"""Analysis package of the Coerced Recruitment Monitor.

Incident data on forced recruitment into Russia's war against Ukraine: the codebook,
the normalisers that turn reporting language into typed values, the cleaning
pipeline, the loaders and aggregations used by the notebooks, and the report builder.
"""

__version__ = "0.1.0"
