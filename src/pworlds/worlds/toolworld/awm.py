"""Agent World Model (AWM) compatibility: import the published JSONL layout, run its apps in-process.

The work is split by when it happens; this module only gathers the names other code uses.

- Import time (``pworlds import awm``): ``awm_source`` reads the dataset folder, ``awm_import`` writes one
  env folder per scenario into a staging folder, ``awm_check`` loads each staged folder as the runtime will
  (and derives tools from the app's OpenAPI when a scenario has no ``gen_spec`` row) before anything moves
  into place.
- Run time (the env loader): ``awm_runtime`` builds an env's tools and verifiers from ``awm_app`` (the
  FastAPI app executed once in this process, its ``create_engine`` redirected to the episode database,
  tools as HTTP calls through ``httpx.ASGITransport``), ``awm_openapi`` (endpoints → tools) and
  ``awm_verifiers`` (AWM verifier code → toolworld verifiers).
- Shared: ``awm_layout`` (the extra files of an imported folder), ``awm_errors`` (one-line messages).

Trust: imported envs are user-trusted code. FastAPI/SQLAlchemy apps cannot pass the toolworld AST guard,
so they run unguarded (the SQLite authorizer still forbids ATTACH and extension loading). ``pworlds
import awm`` warns about this; import only datasets you trust.
"""

from __future__ import annotations

from pworlds.worlds.toolworld.awm_app import AWMApp, spec_from_app
from pworlds.worlds.toolworld.awm_errors import AWMImportError
from pworlds.worlds.toolworld.awm_import import env_id_for, import_awm
from pworlds.worlds.toolworld.awm_layout import APP_FILE, SPEC_FILE, VERIFIERS_FILE
from pworlds.worlds.toolworld.awm_runtime import load_awm_runtime

__all__ = [
    "APP_FILE",
    "SPEC_FILE",
    "VERIFIERS_FILE",
    "AWMApp",
    "AWMImportError",
    "env_id_for",
    "import_awm",
    "load_awm_runtime",
    "spec_from_app",
]
