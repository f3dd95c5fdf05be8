"""Import files for the plant model: sites, zones, conduits, assets and people as CSV, XLSX or JSON.

Nothing here touches the database. `read_table` turns an uploaded file into rows of text, `validate_rows`
checks every row against the column contract of PRODUCT.md and against what already exists (an
`ImportContext`), and returns an `ImportPlan` for the caller to write in one transaction, or raises
`ImportRejected` with every problem it found: an import is all or nothing. `write_table` writes the same
formats, so an export imports back unchanged.

One module per concern: `vocabulary` (allowed values and their other spellings), `columns` (the columns of each
kind, what each accepts, an example), `templates` (a file to fill in, per kind), `readers`
(CSV, XLSX, JSON into a `Table`), `endpoints` (endpoint URIs and addresses), `records` (the typed rows and the
plan), `rows` (checking rows), `writers` (the formats written back), `problems` (why a file is rejected). The
names callers use are re-exported here.
"""

from otcsms.core.spreadsheet import escape_formula  # the quoting the readers undo, for callers and tests
from otcsms.plant.importfiles.columns import (
    COLUMNS,
    KINDS,
    MAX_LONG_TEXT_CHARS,
    MAX_NAME_CHARS,
    MAX_RULE_SET_CHARS,
    MAX_SHORT_TEXT_CHARS,
    SINGULAR,
    SPECS,
    Column,
    Columns,
    specs_of,
)
from otcsms.plant.importfiles.endpoints import MAX_ENDPOINTS, Endpoint, canonical_ip, parse_endpoint
from otcsms.plant.importfiles.problems import ImportRejected, RowProblem
from otcsms.plant.importfiles.readers import (
    MAX_COLUMNS,
    MAX_FILE_BYTES,
    MAX_READ_PROBLEMS,
    MAX_ROWS,
    MAX_XLSX_MEMBERS,
    MAX_XLSX_RATIO,
    MAX_XLSX_UNCOMPRESSED_BYTES,
    Table,
    format_of,
    import_upload,
    read_table,
)
from otcsms.plant.importfiles.records import (
    AssetRecord,
    ConduitRecord,
    ImportContext,
    ImportPlan,
    PersonRecord,
    Record,
    SiteRecord,
    ZoneRecord,
)
from otcsms.plant.importfiles.rows import PROGRESS_EVERY, validate_rows
from otcsms.plant.importfiles.templates import TEMPLATE_FORMATS, template_filename, write_template
from otcsms.plant.importfiles.vocabulary import (
    ASSET_TYPE_ALIASES,
    ASSET_TYPES,
    CRITICALITIES,
    FORMATS,
    NERC_IMPACTS,
    PROTOCOL_ALIASES,
    PROTOCOLS,
    SECTOR_ALIASES,
    SECTORS,
    ZONE_KIND_ALIASES,
    ZONE_KINDS,
    Choices,
    normalise_protocol,
)
from otcsms.plant.importfiles.writers import write_table

__all__ = [
    "ASSET_TYPES",
    "ASSET_TYPE_ALIASES",
    "COLUMNS",
    "CRITICALITIES",
    "FORMATS",
    "KINDS",
    "MAX_COLUMNS",
    "MAX_ENDPOINTS",
    "MAX_FILE_BYTES",
    "MAX_LONG_TEXT_CHARS",
    "MAX_NAME_CHARS",
    "MAX_READ_PROBLEMS",
    "MAX_ROWS",
    "MAX_RULE_SET_CHARS",
    "MAX_SHORT_TEXT_CHARS",
    "MAX_XLSX_MEMBERS",
    "MAX_XLSX_RATIO",
    "MAX_XLSX_UNCOMPRESSED_BYTES",
    "NERC_IMPACTS",
    "PROGRESS_EVERY",
    "PROTOCOLS",
    "PROTOCOL_ALIASES",
    "SECTORS",
    "SECTOR_ALIASES",
    "SINGULAR",
    "SPECS",
    "TEMPLATE_FORMATS",
    "ZONE_KINDS",
    "ZONE_KIND_ALIASES",
    "AssetRecord",
    "Choices",
    "Column",
    "Columns",
    "ConduitRecord",
    "Endpoint",
    "ImportContext",
    "ImportPlan",
    "ImportRejected",
    "PersonRecord",
    "Record",
    "RowProblem",
    "SiteRecord",
    "Table",
    "ZoneRecord",
    "canonical_ip",
    "escape_formula",
    "format_of",
    "import_upload",
    "normalise_protocol",
    "parse_endpoint",
    "read_table",
    "specs_of",
    "template_filename",
    "validate_rows",
    "write_table",
    "write_template",
]  # fmt: skip
