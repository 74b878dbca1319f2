"""Standalone checks for the shipped `clinic_appointments` toolworld environment.

This harness does not use the toolworld runtime: it builds the database from schema.sql + seed.sql, loads tools.py
and verify.py from their file paths, and replays every task's reference solution, an empty solution and the
negative solution the way the runtime will (one transaction per call, rollback on any exception).
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import json
import sqlite3
import typing
from pathlib import Path
from types import ModuleType

import pytest
import yaml

ENV_DIR = Path(__file__).resolve().parents[2] / "src/pworlds/worlds/toolworld/envs/clinic_appointments"
ALLOWED_IMPORTS = {
    "sqlite3", "json", "datetime", "math", "re", "decimal", "typing", "collections", "itertools", "functools",
    "statistics", "string", "enum", "dataclasses", "__future__",
}  # fmt: skip
FORBIDDEN_NAMES = {
    "exec", "eval", "compile", "open", "__import__", "globals", "locals", "getattr", "setattr", "delattr",
    "os", "sys", "subprocess", "socket", "pathlib", "importlib", "ctypes", "pickle", "threading",
    "multiprocessing", "builtins", "vars", "breakpoint", "input",
}  # fmt: skip


# ----------------------------------------------------------------------------- harness


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"clinic_appointments_{name}", ENV_DIR / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TOOLS = _load("tools")
VERIFY = _load("verify")
TASKS = yaml.safe_load((ENV_DIR / "tasks.yaml").read_text())["tasks"]
TOOL_FUNCS = {
    name: fn
    for name, fn in inspect.getmembers(TOOLS, inspect.isfunction)
    if not name.startswith("_") and fn.__module__ == TOOLS.__name__
}


def _connect() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


@pytest.fixture(scope="module")
def seed_bytes() -> bytes:
    conn = _connect()
    conn.executescript((ENV_DIR / "schema.sql").read_text())
    conn.executescript((ENV_DIR / "seed.sql").read_text())
    data = conn.serialize()
    conn.close()
    return data


def _db(data: bytes) -> sqlite3.Connection:
    conn = _connect()
    conn.deserialize(data)
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def _call(conn: sqlite3.Connection, name: str, arguments: dict) -> object:
    """One tool call as the runtime does it: own transaction, rollback and an error dict on any exception."""
    conn.execute("BEGIN")
    try:
        result = TOOL_FUNCS[name](conn, **arguments)
    except Exception as exc:  # the runtime turns every tool exception into an error result
        conn.execute("ROLLBACK")
        return {"error": str(exc)}
    conn.execute("COMMIT")
    return result


def _run(seed: bytes, calls: list[dict]) -> tuple[sqlite3.Connection, list]:
    conn = _db(seed)
    results = [_call(conn, c["name"], c.get("arguments") or {}) for c in calls]
    return conn, results


def _verify(task: dict, seed: bytes, final: sqlite3.Connection, answer: str | None) -> dict:
    initial = _db(seed)
    fn = getattr(VERIFY, task.get("verifier") or f"verify_{task['id']}")
    result = fn(initial, final, answer)
    json.dumps(result)  # verifier output must be plain JSON
    assert result["status"] in ("pass", "fail")
    return result


def _dump(conn: sqlite3.Connection) -> list[str]:
    return list(conn.iterdump())


# ----------------------------------------------------------------------------- per-task checks

TASK_IDS = [t["id"] for t in TASKS]


@pytest.mark.parametrize("task", TASKS, ids=TASK_IDS)
def test_reference_solution_passes(task: dict, seed_bytes: bytes) -> None:
    final, results = _run(seed_bytes, task["solution"])
    errors = [
        (c["name"], r)
        for c, r in zip(task["solution"], results, strict=True)
        if isinstance(r, dict) and "error" in r
    ]
    assert not errors, f"reference solution raised: {errors}"
    result = _verify(task, seed_bytes, final, task.get("answer"))
    assert result["status"] == "pass", result
    assert result.get("score", 1.0) == 1.0


@pytest.mark.parametrize("task", TASKS, ids=TASK_IDS)
def test_doing_nothing_fails(task: dict, seed_bytes: bytes) -> None:
    result = _verify(task, seed_bytes, _db(seed_bytes), None)
    assert result["status"] == "fail", result


@pytest.mark.parametrize("task", TASKS, ids=TASK_IDS)
def test_negative_solution_fails(task: dict, seed_bytes: bytes) -> None:
    negative = task["negative"]
    final, _ = _run(seed_bytes, negative["solution"])
    result = _verify(task, seed_bytes, final, negative.get("answer"))
    assert result["status"] == "fail", result


@pytest.mark.parametrize("task", TASKS, ids=TASK_IDS)
def test_negative_solution_is_made_of_valid_calls(task: dict, seed_bytes: bytes) -> None:
    """A negative is wrong by outcome, not by erroring: the runtime's env check treats a failing step as a defect."""
    _, results = _run(seed_bytes, task["negative"]["solution"])
    assert not [r for r in results if isinstance(r, dict) and "error" in r], results


@pytest.mark.parametrize("task", TASKS, ids=TASK_IDS)
def test_reference_solution_is_deterministic(task: dict, seed_bytes: bytes) -> None:
    first, r1 = _run(seed_bytes, task["solution"])
    second, r2 = _run(seed_bytes, task["solution"])
    assert r1 == r2
    assert _dump(first) == _dump(second)


def test_info_answers_accept_natural_phrasings(seed_bytes: bytes) -> None:
    by_id = {t["id"]: t for t in TASKS}
    db = _db(seed_bytes)
    ok = [
        ("count_provider_no_shows", "Dr. Kim has had 6 no-shows since January 1, 2025."),
        ("count_provider_no_shows", "six"),
        ("outstanding_balance", "She owes $95 in total (open invoices of $75.00 and $20.00)."),
        ("outstanding_balance", "9500 cents"),
    ]
    bad = [
        ("count_provider_no_shows", "8 no-shows (6 in 2025 plus 2 in December 2024)"),
        ("count_provider_no_shows", "I could not find that"),
        ("outstanding_balance", "$95.00 open, $145.00 including the waived fee"),
        ("outstanding_balance", "$20.00"),
    ]
    for task_id, answer in ok:
        assert _verify(by_id[task_id], seed_bytes, db, answer)["status"] == "pass", answer
    for task_id, answer in bad:
        assert _verify(by_id[task_id], seed_bytes, db, answer)["status"] == "fail", answer


def test_info_task_fails_when_database_was_changed(seed_bytes: bytes) -> None:
    task = next(t for t in TASKS if t["id"] == "outstanding_balance")
    final, _ = _run(
        seed_bytes, [{"name": "pay_invoice", "arguments": {"invoice_id": 4, "amount_cents": 7500}}]
    )
    assert _verify(task, seed_bytes, final, "$95.00")["status"] == "fail"


def test_alternative_correct_route_passes(seed_bytes: bytes) -> None:
    """Cancelling (clinic-initiated) and booking the right slot is as good as rescheduling."""
    task = next(t for t in TASKS if t["id"] == "insurance_change_rebook")
    calls = [
        {"name": "update_patient_insurance", "arguments": {"patient_id": 7, "insurance_plan_id": 3,
                                                           "member_id": "UHC771204956"}},
        {"name": "cancel_appointment", "arguments": {"appointment_id": 15, "cancelled_by": "clinic",
                                                     "reason": "Out of network"}},
        {"name": "book_appointment", "arguments": {"patient_id": 7, "slot_id": 217, "reason": "Palpitations"}},
    ]  # fmt: skip
    final, results = _run(seed_bytes, calls)
    assert not any(isinstance(r, dict) and "error" in r for r in results), results
    assert _verify(task, seed_bytes, final, None)["status"] == "pass"


# ----------------------------------------------------------------------------- env shape


def test_env_yaml_matches_format() -> None:
    env = yaml.safe_load((ENV_DIR / "env.yaml").read_text())
    assert env["id"] == ENV_DIR.name
    assert env["version"] == "1"
    assert env["verification"] == "code"
    assert env["provenance"]["generator"] == "hand-written"
    assert set(env["provenance"]) == {"generator", "seed", "model"}
    for key in ("title", "description", "domain"):
        assert isinstance(env[key], str) and env[key].strip()


def test_exactly_ten_tasks_with_unique_ids_and_verifiers() -> None:
    assert len(TASKS) == 10
    assert len(set(TASK_IDS)) == 10
    for task in TASKS:
        assert task["instruction"].strip()
        assert callable(getattr(VERIFY, task.get("verifier") or f"verify_{task['id']}", None))
        assert task["negative"]["solution"], "a negative must be a plausible wrong attempt, not empty"


def test_at_least_thirty_tools() -> None:
    assert len(TOOL_FUNCS) >= 30, sorted(TOOL_FUNCS)


@pytest.mark.parametrize("name", sorted(TOOL_FUNCS))
def test_tool_is_typed_and_documented(name: str) -> None:
    fn = TOOL_FUNCS[name]
    params = list(inspect.signature(fn).parameters)
    assert params[0] == "conn"
    hints = typing.get_type_hints(fn)
    for param in params[1:]:
        assert param in hints, f"{name}.{param} has no type hint"
    doc = inspect.getdoc(fn) or ""
    assert doc.split("\n\n")[0].strip(), f"{name} has no description"
    for param in params[1:]:
        assert f"{param}:" in doc, f"{name} docstring does not document {param}"


def test_every_solution_call_names_an_existing_tool_with_known_arguments() -> None:
    for task in TASKS:
        for call in task["solution"] + task["negative"]["solution"]:
            assert call["name"] in TOOL_FUNCS, (task["id"], call["name"])
            params = set(inspect.signature(TOOL_FUNCS[call["name"]]).parameters) - {"conn"}
            assert set(call.get("arguments") or {}) <= params, (task["id"], call)


def test_seed_satisfies_foreign_keys_and_has_realistic_size(seed_bytes: bytes) -> None:
    db = _db(seed_bytes)
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    assert 8 <= len(tables) <= 14
    total = sum(db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables)
    assert 300 <= total <= 1500
    assert db.execute("SELECT value FROM settings WHERE key = 'today'").fetchone()[0] == "2025-03-10"


def test_seed_has_no_nondeterministic_sql() -> None:
    text = (ENV_DIR / "seed.sql").read_text().lower()
    for word in ("random(", "current_timestamp", "current_date", "datetime('now'", "date('now'"):
        assert word not in text


@pytest.mark.parametrize("module", ["tools", "verify"])
def test_untrusted_code_rules(module: str) -> None:
    tree = ast.parse((ENV_DIR / f"{module}.py").read_text())
    for node in tree.body:
        is_docstring = isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        allowed = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.Assign, ast.AnnAssign)
        assert is_docstring or isinstance(node, allowed), (
            f"module-level {type(node).__name__} at line {node.lineno}"
        )
        if isinstance(node, ast.FunctionDef):
            assert not node.decorator_list, f"{node.name} is decorated"
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            assert {a.name.split(".")[0] for a in node.names} <= ALLOWED_IMPORTS
        if isinstance(node, ast.ImportFrom):
            assert (node.module or "").split(".")[0] in ALLOWED_IMPORTS
        if isinstance(node, ast.Name):
            assert node.id not in FORBIDDEN_NAMES, f"forbidden name {node.id} at line {node.lineno}"
        if isinstance(node, ast.Attribute):
            assert not node.attr.startswith("__"), f"dunder access {node.attr} at line {node.lineno}"


# ----------------------------------------------------------------------------- business rules


def _rejected(seed: bytes, name: str, arguments: dict, fragment: str) -> None:
    """The call raises ValueError naming the rule, and the database is unchanged afterwards."""
    conn = _db(seed)
    before = _dump(conn)
    conn.execute("BEGIN")
    with pytest.raises(ValueError, match=fragment):
        TOOL_FUNCS[name](conn, **arguments)
    conn.execute("ROLLBACK")
    assert _dump(conn) == before


def test_cannot_book_out_of_network_provider(seed_bytes: bytes) -> None:
    # Maria Gonzalez is on Harbor Health HMO; Dr. Stein (slot 210) does not take it.
    _rejected(
        seed_bytes, "book_appointment", {"patient_id": 1, "slot_id": 210, "reason": "Rash"}, "out of network"
    )


def test_cannot_double_book_a_slot(seed_bytes: bytes) -> None:
    _rejected(seed_bytes, "book_appointment", {"patient_id": 1, "slot_id": 209, "reason": "x"}, "not open")


def test_cannot_book_patient_twice_at_the_same_time(seed_bytes: bytes) -> None:
    # Priya Shah is booked 2025-03-11 09:00 with Dr. Brennan; Dr. Stein's slot 210 is at the same time.
    _rejected(seed_bytes, "book_appointment", {"patient_id": 3, "slot_id": 210, "reason": "Mole"}, "overlaps")


def test_cannot_book_in_the_past(seed_bytes: bytes) -> None:
    db = _db(seed_bytes)
    past = db.execute(
        "SELECT id FROM slots WHERE status = 'open' AND start_time < '2025-03-10' LIMIT 1"
    ).fetchone()
    _rejected(seed_bytes, "book_appointment", {"patient_id": 2, "slot_id": past[0], "reason": "x"}, "past")


def test_cannot_cancel_a_completed_visit(seed_bytes: bytes) -> None:
    _rejected(
        seed_bytes,
        "cancel_appointment",
        {"appointment_id": 1, "cancelled_by": "patient", "reason": "x"},
        "only scheduled",
    )


def test_cannot_prescribe_a_drug_already_active(seed_bytes: bytes) -> None:
    _rejected(
        seed_bytes,
        "prescribe_medication",
        {"appointment_id": 5, "medication": "Lisinopril", "dosage": "10 mg daily", "quantity": 90},
        "discontinue it first",
    )


def test_cannot_void_a_paid_invoice(seed_bytes: bytes) -> None:
    _rejected(seed_bytes, "void_invoice", {"invoice_id": 3, "reason": "x"}, "only open")


def test_cannot_block_a_booked_slot(seed_bytes: bytes) -> None:
    _rejected(seed_bytes, "block_slot", {"slot_id": 209, "reason": "sick"}, "only open")


def test_cannot_switch_to_a_plan_the_clinic_dropped(seed_bytes: bytes) -> None:
    _rejected(
        seed_bytes,
        "update_patient_insurance",
        {"patient_id": 7, "insurance_plan_id": 7, "member_id": "EVG1"},
        "no longer accepts",
    )


def test_new_patients_go_to_waitlist_for_a_full_provider(seed_bytes: bytes) -> None:
    db = _db(seed_bytes)
    slot = db.execute("SELECT id FROM slots WHERE provider_id = 9 AND status = 'open' AND start_time > "
                      "'2025-03-10T13:00' LIMIT 1").fetchone()[0]  # fmt: skip
    _rejected(
        seed_bytes, "book_appointment", {"patient_id": 2, "slot_id": slot, "reason": "x"}, "not accepting"
    )


def test_failed_call_in_harness_leaves_database_unchanged(seed_bytes: bytes) -> None:
    conn = _db(seed_bytes)
    before = _dump(conn)
    result = _call(conn, "reschedule_appointment", {"appointment_id": 2, "new_slot_id": 209})
    assert "error" in result
    assert _dump(conn) == before


def test_patient_cancellation_outside_window_is_free(seed_bytes: bytes) -> None:
    conn = _db(seed_bytes)
    result = _call(
        conn, "cancel_appointment", {"appointment_id": 2, "cancelled_by": "patient", "reason": "trip"}
    )
    assert result["status"] == "cancelled" and result["late_cancel_invoice_id"] is None


# One successful call of every tool, in an order where each precondition holds; results must be plain JSON.
SMOKE_CALLS = [
    ("get_clinic_info", {}),
    ("list_specialties", {}),
    ("search_providers", {"name": "Dr. Kim"}),
    ("search_providers", {"specialty": "derm", "accepts_plan_id": 6, "accepting_new_patients": True}),
    ("get_provider", {"provider_id": 7}),
    ("list_insurance_plans", {"include_inactive": True}),
    ("list_rooms", {"room_type": "procedure"}),
    ("search_patients", {"phone": "503", "status": "active", "limit": 5, "offset": 5}),
    ("get_patient", {"patient_id": 5}),
    (
        "create_patient",
        {
            "first_name": "Hana",
            "last_name": "Tanaka",
            "date_of_birth": "1990-01-31",
            "sex": "F",
            "phone": "(503) 555-2233",
            "address": "12 NE Alberta St",
            "city": "Portland",
            "state": "OR",
            "zip": "97211",
            "insurance_plan_id": 2,
            "member_id": "XYP123",
        },
    ),
    ("update_patient_contact", {"patient_id": 52, "email": "hana.t@example.com"}),
    ("update_patient_insurance", {"patient_id": 52, "insurance_plan_id": None}),
    ("search_slots", {"status": "any", "date_from": "2025-03-20", "date_to": "2025-03-20"}),
    (
        "create_slot",
        {"provider_id": 1, "room_id": 1, "start_time": "2025-03-24T09:00", "duration_minutes": 30},
    ),
    ("block_slot", {"slot_id": 316, "reason": "Training"}),
    ("unblock_slot", {"slot_id": 316}),
    ("book_appointment", {"patient_id": 52, "slot_id": 316, "reason": "New patient visit"}),
    ("search_appointments", {"provider_id": 1, "status": "scheduled", "date_from": "2025-03-24"}),
    ("get_appointment", {"appointment_id": 6}),
    ("reschedule_appointment", {"appointment_id": 2, "new_slot_id": 260}),
    ("cancel_appointment", {"appointment_id": 2, "cancelled_by": "patient", "reason": "Travelling"}),
    ("check_in_appointment", {"appointment_id": 6}),
    ("complete_appointment", {"appointment_id": 6, "diagnosis_code": "i10", "summary": "BP follow-up."}),
    ("get_visit_note", {"appointment_id": 6}),
    ("list_prescriptions", {"patient_id": 4, "status": "active", "medication": "statin"}),
    (
        "prescribe_medication",
        {"appointment_id": 6, "medication": "amlodipine", "dosage": "5 mg daily", "quantity": 30},
    ),
    ("discontinue_prescription", {"prescription_id": 3, "reason": "Switched"}),
    ("mark_no_show", {"appointment_id": 13}),
    ("search_invoices", {"patient_id": 6, "status": "open", "kind": "no_show", "date_from": "2025-03-01"}),
    ("get_invoice", {"invoice_id": 4}),
    ("pay_invoice", {"invoice_id": 4, "amount_cents": 7500}),
    ("void_invoice", {"invoice_id": 7, "reason": "Waived"}),
    ("get_patient_balance", {"patient_id": 6}),
    ("list_waitlist", {"specialty_id": 4, "status": "any"}),
    ("add_to_waitlist", {"patient_id": 52, "specialty_id": 3, "priority": 3, "notes": "Mole check"}),
    ("remove_from_waitlist", {"waitlist_id": 13, "reason": "Booked elsewhere"}),
    ("book_from_waitlist", {"waitlist_id": 3, "slot_id": 242}),
    ("deactivate_patient", {"patient_id": 12}),
]


def test_every_tool_succeeds_on_valid_input_and_returns_json(seed_bytes: bytes) -> None:
    # The first check-in must be of a scheduled appointment today: Robert Chen is already checked in in the seed.
    conn = _db(seed_bytes)
    conn.execute("UPDATE appointments SET status = 'scheduled' WHERE id = 6")
    assert {name for name, _ in SMOKE_CALLS} == set(TOOL_FUNCS)
    for name, arguments in SMOKE_CALLS:
        result = _call(conn, name, arguments)
        assert not (isinstance(result, dict) and "error" in result), (name, result)
        json.dumps(result)
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
