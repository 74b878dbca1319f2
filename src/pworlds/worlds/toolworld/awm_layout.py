"""The files an imported AWM env folder holds beyond the common env format (see ``envformat``).

The import writes them and the runtime reads them; naming them here keeps the two sides agreeing without
either importing the other.
"""

from __future__ import annotations

APP_FILE = "awm_app.py"
"""The scenario's FastAPI + SQLAlchemy app (``gen_envs.full_code``), executed once per env at run time."""

SPEC_FILE = "awm_spec.json"
"""The endpoints as ``gen_spec``'s ``api_spec`` (from the dataset, or derived from the app's OpenAPI)."""

VERIFIERS_FILE = "awm_verifiers.json"
"""``verify_task_<i>`` → the AWM verifier code defining ``verify_task_completion``."""
