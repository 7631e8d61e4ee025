"""CSV import and export of customer accounts and advocates.

An import is a short workflow around an ``ImportJob`` (``jobs``):

1. ``import_upload`` keeps the file and reads its header row; the file must be UTF-8 text.
2. ``import_set_mapping`` records which column holds which field and queues the dry run.
3. ``import_validate`` (the dry run, in a worker) reads every row once and records the counts and the
   first row-level errors. Nothing but the job itself is written.
4. ``import_confirm`` queues ``import_run``, which reads the file again, checks each row again (the data
   may have changed since the dry run) and upserts the valid rows in batches: advocates by email,
   accounts by CRM ID, else by name. Importing the same file twice changes nothing the second time.

Memory stays bounded whatever the file size: rows are read one at a time (``files``) and handled
``BATCH_SIZE`` at a time (``importer``), and the keys already seen in the file (to report duplicates)
are kept on disk. Empty cells never erase what is already recorded, so a partial file is safe to import.

The stages live in their own modules: ``files`` (the stored file, read as CSV), ``columns`` (what can be
imported and the column mapping), ``cells`` (parsing each cell), ``importer`` with ``accounts`` and
``advocates`` (checking rows and writing them), ``reports`` (row-level errors), ``export``.
Import the workflow from here: ``from advocates import imports``.
"""

from .columns import ACCOUNT_FIELDS, ADVOCATE_FIELDS, FIELDS_BY_KIND, ImportField, fields_for, guess_mapping
from .export import export_accounts_csv, export_advocates_csv
from .files import ImportFileError, import_root
from .jobs import (
    MAX_UPLOAD_BYTES,
    import_cancel,
    import_confirm,
    import_mark_failed,
    import_run,
    import_set_mapping,
    import_upload,
    import_validate,
)
from .reports import MAX_STORED_ERRORS, describe_error, errors_for_display

__all__ = [
    "ACCOUNT_FIELDS",
    "ADVOCATE_FIELDS",
    "FIELDS_BY_KIND",
    "MAX_STORED_ERRORS",
    "MAX_UPLOAD_BYTES",
    "ImportField",
    "ImportFileError",
    "describe_error",
    "errors_for_display",
    "export_accounts_csv",
    "export_advocates_csv",
    "fields_for",
    "guess_mapping",
    "import_cancel",
    "import_confirm",
    "import_mark_failed",
    "import_root",
    "import_run",
    "import_set_mapping",
    "import_upload",
    "import_validate",
]
