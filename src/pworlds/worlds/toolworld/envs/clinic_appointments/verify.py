"""Verifiers for the clinic_appointments tasks.

Each verifier derives what *should* happen from the initial database (so it does not hard-code slot ids), checks
that it happened in the final database, and then checks that nothing else changed: every table is diffed by rowid
and any change outside the task's allowance fails the task.
"""

from __future__ import annotations

import re
import sqlite3

_TABLES = (
    "settings",
    "specialties",
    "insurance_plans",
    "providers",
    "provider_insurance",
    "rooms",
    "patients",
    "slots",
    "appointments",
    "visit_notes",
    "prescriptions",
    "invoices",
    "waitlist",
)


# ----------------------------------------------------------------------------- shared checks


def _rows(conn: sqlite3.Connection, table: str) -> dict:
    out = {}
    for row in conn.execute(f"SELECT rowid, * FROM {table}").fetchall():
        values = tuple(row)
        out[values[0]] = values[1:]
    return out


def _diff(initial: sqlite3.Connection, final: sqlite3.Connection) -> dict:
    """Per table: rowids added, removed and changed between the two databases."""
    out = {}
    for table in _TABLES:
        before, after = _rows(initial, table), _rows(final, table)
        added = sorted(k for k in after if k not in before)
        removed = sorted(k for k in before if k not in after)
        changed = sorted(k for k in after if k in before and after[k] != before[k])
        if added or removed or changed:
            out[table] = {"added": added, "removed": removed, "changed": changed}
    return out


def _unexpected(diff: dict, changed: dict | None = None, added: dict | None = None) -> list:
    """Changes outside the allowance: `changed` maps table -> ids that may change, `added` table -> max new rows."""
    changed = changed or {}
    added = added or {}
    problems = []
    for table, d in diff.items():
        if d["removed"]:
            problems.append(f"{table}: rows deleted {d['removed']}")
        extra = [k for k in d["changed"] if k not in changed.get(table, ())]
        if extra:
            problems.append(f"{table}: unexpected changes to rows {extra}")
        if len(d["added"]) > added.get(table, 0):
            problems.append(f"{table}: unexpected new rows {d['added']}")
    return problems


def _result(checks: dict, problems: list, evidence: dict | None = None) -> dict:
    failed = [name for name, ok in checks.items() if not ok]
    evidence = dict(evidence or {})
    evidence["checks"] = checks
    evidence["collateral"] = problems
    if failed or problems:
        return {
            "status": "fail",
            "score": 0.0,
            "evidence": evidence,
            "message": "failed: " + "; ".join(failed + problems),
        }
    return {"status": "pass", "score": 1.0, "evidence": evidence, "message": "all checks passed"}


def _patient_id(conn: sqlite3.Connection, first: str, last: str) -> int:
    row = conn.execute(
        "SELECT id FROM patients WHERE first_name = ? AND last_name = ?", (first, last)
    ).fetchone()
    return int(row["id"])


def _provider_id(conn: sqlite3.Connection, first: str, last: str) -> int:
    row = conn.execute(
        "SELECT id FROM providers WHERE first_name = ? AND last_name = ?", (first, last)
    ).fetchone()
    return int(row["id"])


def _setting(conn: sqlite3.Connection, key: str) -> str:
    return conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()["value"]


def _appt(conn: sqlite3.Connection, appointment_id: int) -> dict | None:
    row = conn.execute(
        "SELECT a.*, s.provider_id, s.start_time FROM appointments a JOIN slots s ON s.id = a.slot_id WHERE a.id = ?",
        (appointment_id,),
    ).fetchone()
    return dict(row) if row else None


def _slot_status(conn: sqlite3.Connection, slot_id: int) -> str | None:
    row = conn.execute("SELECT status FROM slots WHERE id = ?", (slot_id,)).fetchone()
    return row["status"] if row else None


def _new_rows(initial: sqlite3.Connection, final: sqlite3.Connection, table: str) -> list:
    top = initial.execute(f"SELECT COALESCE(MAX(rowid), 0) AS m FROM {table}").fetchone()["m"]
    return [dict(r) for r in final.execute(f"SELECT * FROM {table} WHERE rowid > ? ORDER BY rowid", (top,))]


def _earliest_open(conn: sqlite3.Connection, where: str, params: tuple) -> int | None:
    row = conn.execute(
        "SELECT s.id FROM slots s JOIN providers p ON p.id = s.provider_id "
        f"WHERE s.status = 'open' AND p.active = 1 AND s.start_time > ? AND {where} ORDER BY s.start_time, s.id LIMIT 1",
        (_setting(conn, "now"), *params),
    ).fetchone()
    return int(row["id"]) if row else None


_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_WORDS = {
    "zero": 0,
    "none": 0,
    "no": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}


def _first_count(answer: str | None) -> int | None:
    """The first count mentioned in a free-text answer, ignoring dates and years."""
    if answer is None:
        return None
    text = answer.lower()
    text = re.sub(r"\d{4}-\d{2}-\d{2}", " ", text)
    text = re.sub(r"\b(" + _MONTHS + r")\.?\s+\d{1,2}(st|nd|rd|th)?\b", " ", text)
    text = re.sub(r"\b(19|20)\d{2}\b", " ", text)
    for token in re.findall(r"\d+|[a-z]+", text):
        if token.isdigit():
            return int(token)
        if token in _WORDS and token != "no":
            return _WORDS[token]
    return None


def _amounts_cents(answer: str | None) -> list:
    """Money amounts in a free-text answer, in cents ("$1,234.50", "95", "9500 cents")."""
    if answer is None:
        return []
    out = []
    for number, unit in re.findall(r"(\d[\d,]*(?:\.\d+)?)\s*(cents?|¢)?", answer.lower()):
        value = float(number.replace(",", ""))
        out.append(round(value) if unit else round(value * 100))
    return out


# ----------------------------------------------------------------------------- tasks


def verify_book_in_network_dermatology(
    initial: sqlite3.Connection, final: sqlite3.Connection, answer: str | None
) -> dict:
    pid = _patient_id(initial, "Maria", "Gonzalez")
    plan = initial.execute("SELECT insurance_plan_id FROM patients WHERE id = ?", (pid,)).fetchone()[0]
    target = _earliest_open(
        initial,
        "p.specialty_id = (SELECT id FROM specialties WHERE name = 'Dermatology') AND EXISTS "
        "(SELECT 1 FROM provider_insurance pi WHERE pi.provider_id = p.id AND pi.plan_id = ?)",
        (plan,),
    )
    new = [a for a in _new_rows(initial, final, "appointments") if a["patient_id"] == pid]
    diff = _diff(initial, final)
    checks = {
        "one new appointment for Maria Gonzalez": len(new) == 1,
        "it is the earliest in-network dermatology slot": len(new) == 1 and new[0]["slot_id"] == target,
        "it is scheduled": len(new) == 1 and new[0]["status"] == "scheduled",
        "slot is booked": _slot_status(final, target) == "booked",
    }
    problems = _unexpected(diff, changed={"slots": [target]}, added={"appointments": 1})
    return _result(checks, problems, {"expected_slot": target, "new_appointments": new})


def verify_reschedule_to_next_week(
    initial: sqlite3.Connection, final: sqlite3.Connection, answer: str | None
) -> dict:
    pid = _patient_id(initial, "James", "O'Connor")
    old = initial.execute(
        "SELECT a.id, a.slot_id, s.provider_id FROM appointments a JOIN slots s ON s.id = a.slot_id "
        "WHERE a.patient_id = ? AND a.status = 'scheduled' AND s.start_time LIKE '2025-03-12%'",
        (pid,),
    ).fetchone()
    target = _earliest_open(
        initial,
        "s.provider_id = ? AND s.start_time >= '2025-03-17' AND s.start_time <= '2025-03-23T23:59'",
        (old["provider_id"],),
    )
    after = _appt(final, old["id"])
    live_on_target = final.execute(
        "SELECT id FROM appointments WHERE patient_id = ? AND slot_id = ? AND status = 'scheduled'",
        (pid, target),
    ).fetchone()
    moved = after is not None and after["slot_id"] == target and after["status"] == "scheduled"
    rebooked = after is not None and after["status"] == "cancelled" and live_on_target is not None
    new_invoices = [i for i in _new_rows(initial, final, "invoices") if i["patient_id"] == pid]
    checks = {
        "appointment is now in Dr. Patel's first open slot next week": moved or rebooked,
        "old slot reopened": _slot_status(final, old["slot_id"]) == "open",
        "new slot booked": _slot_status(final, target) == "booked",
        "no fee charged": not new_invoices,
    }
    problems = _unexpected(
        _diff(initial, final),
        changed={"appointments": [old["id"]], "slots": [old["slot_id"], target]},
        added={"appointments": 0 if moved else 1},
    )
    return _result(checks, problems, {"appointment_id": old["id"], "expected_slot": target, "after": after})


def verify_late_cancellation_fee(
    initial: sqlite3.Connection, final: sqlite3.Connection, answer: str | None
) -> dict:
    pid = _patient_id(initial, "Priya", "Shah")
    tomorrow = initial.execute(
        "SELECT a.id, a.slot_id FROM appointments a JOIN slots s ON s.id = a.slot_id "
        "WHERE a.patient_id = ? AND a.status = 'scheduled' AND s.start_time LIKE '2025-03-11%'",
        (pid,),
    ).fetchone()
    after = _appt(final, tomorrow["id"])
    fee = int(_setting(initial, "late_cancel_fee_cents"))
    new_invoices = _new_rows(initial, final, "invoices")
    checks = {
        "appointment cancelled by the patient": after["status"] == "cancelled"
        and after["cancelled_by"] == "patient",
        "slot reopened": _slot_status(final, tomorrow["slot_id"]) == "open",
        "exactly one late-cancellation invoice for the fee": len(new_invoices) == 1
        and new_invoices[0]["patient_id"] == pid
        and new_invoices[0]["appointment_id"] == tomorrow["id"]
        and new_invoices[0]["kind"] == "late_cancel"
        and new_invoices[0]["amount_cents"] == fee
        and new_invoices[0]["status"] == "open",
    }
    problems = _unexpected(
        _diff(initial, final),
        changed={"appointments": [tomorrow["id"]], "slots": [tomorrow["slot_id"]]},
        added={"invoices": 1},
    )
    return _result(checks, problems, {"appointment": after, "new_invoices": new_invoices})


def verify_provider_sick_day(
    initial: sqlite3.Connection, final: sqlite3.Connection, answer: str | None
) -> dict:
    lee = _provider_id(initial, "Hannah", "Lee")
    slots = [
        r["id"]
        for r in initial.execute(
            "SELECT id FROM slots WHERE provider_id = ? AND start_time LIKE '2025-03-11%'", (lee,)
        )
    ]
    appts = [
        r["id"]
        for r in initial.execute(
            "SELECT a.id FROM appointments a JOIN slots s ON s.id = a.slot_id "
            "WHERE s.provider_id = ? AND s.start_time LIKE '2025-03-11%' AND a.status IN ('scheduled', 'checked_in')",
            (lee,),
        )
    ]
    after = [_appt(final, a) for a in appts]
    checks = {
        "all appointments that day cancelled by the clinic": all(
            a["status"] == "cancelled" and a["cancelled_by"] == "clinic" for a in after
        ),
        "all slots that day blocked": all(_slot_status(final, s) == "blocked" for s in slots),
        "no invoices issued": not _new_rows(initial, final, "invoices"),
    }
    problems = _unexpected(_diff(initial, final), changed={"appointments": appts, "slots": slots})
    return _result(checks, problems, {"appointments": appts, "slots": slots})


def verify_fill_opening_from_waitlist(
    initial: sqlite3.Connection, final: sqlite3.Connection, answer: str | None
) -> dict:
    okonkwo = _provider_id(initial, "Chinedu", "Okonkwo")
    slot = initial.execute(
        "SELECT id FROM slots WHERE provider_id = ? AND start_time = '2025-03-13T14:00'", (okonkwo,)
    ).fetchone()["id"]
    entry = initial.execute(
        "SELECT w.* FROM waitlist w JOIN specialties sp ON sp.id = w.specialty_id WHERE sp.name = 'Orthopedics' "
        "AND w.status = 'waiting' AND (w.provider_id IS NULL OR w.provider_id = ?) "
        "ORDER BY w.priority, w.requested_on, w.id LIMIT 1",
        (okonkwo,),
    ).fetchone()
    booked = final.execute(
        "SELECT * FROM appointments WHERE slot_id = ? AND status = 'scheduled'", (slot,)
    ).fetchone()
    entry_after = final.execute("SELECT * FROM waitlist WHERE id = ?", (entry["id"],)).fetchone()
    checks = {
        "slot booked for the most urgent, longest-waiting patient": booked is not None
        and booked["patient_id"] == entry["patient_id"],
        "their waitlist entry is closed": entry_after["status"] in ("booked", "removed"),
        "entry points at the appointment when booked from the waitlist": entry_after["status"] == "removed"
        or (booked is not None and entry_after["appointment_id"] == booked["id"]),
    }
    problems = _unexpected(
        _diff(initial, final), changed={"slots": [slot], "waitlist": [entry["id"]]}, added={"appointments": 1}
    )
    return _result(checks, problems, {"expected_waitlist_id": entry["id"], "slot": slot})


def verify_count_provider_no_shows(
    initial: sqlite3.Connection, final: sqlite3.Connection, answer: str | None
) -> dict:
    kim = _provider_id(initial, "Daniel", "Kim")
    expected = initial.execute(
        "SELECT COUNT(*) AS n FROM appointments a JOIN slots s ON s.id = a.slot_id "
        "WHERE s.provider_id = ? AND a.status = 'no_show' AND s.start_time >= '2025-01-01' "
        "AND s.start_time < '2026-01-01'",
        (kim,),
    ).fetchone()["n"]
    given = _first_count(answer)
    checks = {"answer gives the 2025 no-show count": given == expected}
    return _result(checks, _unexpected(_diff(initial, final)), {"expected": expected, "given": given})


def verify_close_visit_and_change_dose(
    initial: sqlite3.Connection, final: sqlite3.Connection, answer: str | None
) -> dict:
    pid = _patient_id(initial, "Robert", "Chen")
    appt = initial.execute(
        "SELECT a.id, s.provider_id FROM appointments a JOIN slots s ON s.id = a.slot_id "
        "WHERE a.patient_id = ? AND a.status = 'checked_in' AND s.start_time = '2025-03-10T09:00'",
        (pid,),
    ).fetchone()
    old_rx = initial.execute(
        "SELECT id FROM prescriptions WHERE patient_id = ? AND status = 'active' AND medication LIKE 'lisinopril%'",
        (pid,),
    ).fetchone()["id"]
    copay = initial.execute(
        "SELECT ip.primary_copay_cents FROM patients p JOIN insurance_plans ip ON ip.id = p.insurance_plan_id "
        "WHERE p.id = ?",
        (pid,),
    ).fetchone()[0]
    after = _appt(final, appt["id"])
    note = final.execute("SELECT * FROM visit_notes WHERE appointment_id = ?", (appt["id"],)).fetchone()
    invoices = _new_rows(initial, final, "invoices")
    new_rx = _new_rows(initial, final, "prescriptions")
    old_after = final.execute("SELECT status FROM prescriptions WHERE id = ?", (old_rx,)).fetchone()["status"]
    rx = new_rx[0] if len(new_rx) == 1 else None
    checks = {
        "visit completed": after["status"] == "completed",
        "visit note with diagnosis I10": note is not None and note["diagnosis_code"].strip().upper() == "I10",
        "primary-care copay billed once": len(invoices) == 1
        and invoices[0]["appointment_id"] == appt["id"]
        and invoices[0]["kind"] == "copay"
        and invoices[0]["amount_cents"] == copay,
        "old lisinopril 5 mg discontinued": old_after == "discontinued",
        "one new lisinopril 10 mg prescription": rx is not None
        and rx["medication"].strip().lower().startswith("lisinopril")
        and re.search(r"\b10\s*mg\b", (rx["medication"] + " " + rx["dosage"]).lower()) is not None
        and rx["status"] == "active",
        "90 tablets with 3 refills from this visit": rx is not None
        and rx["quantity"] == 90
        and rx["refills"] == 3
        and rx["appointment_id"] == appt["id"]
        and rx["provider_id"] == appt["provider_id"],
    }
    problems = _unexpected(
        _diff(initial, final),
        changed={"appointments": [appt["id"]], "prescriptions": [old_rx]},
        added={"visit_notes": 1, "invoices": 1, "prescriptions": 1},
    )
    return _result(checks, problems, {"new_prescriptions": new_rx, "invoices": invoices})


def verify_outstanding_balance(
    initial: sqlite3.Connection, final: sqlite3.Connection, answer: str | None
) -> dict:
    pid = _patient_id(initial, "Linda", "Okafor")
    expected = initial.execute(
        "SELECT COALESCE(SUM(amount_cents), 0) AS t FROM invoices WHERE patient_id = ? AND status = 'open'",
        (pid,),
    ).fetchone()["t"]
    amounts = _amounts_cents(answer)
    checks = {
        "answer states the open balance": expected in amounts,
        "answer states no larger total": all(a <= expected for a in amounts),
    }
    return _result(
        checks, _unexpected(_diff(initial, final)), {"expected_cents": expected, "amounts": amounts}
    )


def verify_no_show_and_fee_waiver(
    initial: sqlite3.Connection, final: sqlite3.Connection, answer: str | None
) -> dict:
    pid = _patient_id(initial, "Thomas", "Reed")
    appt = initial.execute(
        "SELECT a.id FROM appointments a JOIN slots s ON s.id = a.slot_id "
        "WHERE a.patient_id = ? AND a.status = 'scheduled' AND s.start_time LIKE '2025-03-07%'",
        (pid,),
    ).fetchone()["id"]
    late = initial.execute(
        "SELECT id FROM invoices WHERE patient_id = ? AND kind = 'late_cancel' AND status = 'open' "
        "AND issued_on LIKE '2025-02%'",
        (pid,),
    ).fetchone()["id"]
    fee = int(_setting(initial, "no_show_fee_cents"))
    invoices = _new_rows(initial, final, "invoices")
    checks = {
        "March 7 appointment marked no-show": _appt(final, appt)["status"] == "no_show",
        "no-show fee billed once": len(invoices) == 1
        and invoices[0]["appointment_id"] == appt
        and invoices[0]["kind"] == "no_show"
        and invoices[0]["amount_cents"] == fee
        and invoices[0]["status"] == "open",
        "February late-cancellation invoice voided": final.execute(
            "SELECT status FROM invoices WHERE id = ?", (late,)
        ).fetchone()["status"]
        == "void",
    }
    problems = _unexpected(
        _diff(initial, final), changed={"appointments": [appt], "invoices": [late]}, added={"invoices": 1}
    )
    return _result(
        checks, problems, {"appointment_id": appt, "waived_invoice": late, "new_invoices": invoices}
    )


def verify_insurance_change_rebook(
    initial: sqlite3.Connection, final: sqlite3.Connection, answer: str | None
) -> dict:
    pid = _patient_id(initial, "Emily", "Carter")
    plan = initial.execute(
        "SELECT id FROM insurance_plans WHERE name = 'UnitedHealthcare Choice Plus'"
    ).fetchone()["id"]
    old = initial.execute(
        "SELECT a.id, a.slot_id FROM appointments a JOIN slots s ON s.id = a.slot_id "
        "JOIN providers p ON p.id = s.provider_id JOIN specialties sp ON sp.id = p.specialty_id "
        "WHERE a.patient_id = ? AND a.status = 'scheduled' AND sp.name = 'Cardiology'",
        (pid,),
    ).fetchone()
    target = _earliest_open(
        initial,
        "p.specialty_id = (SELECT id FROM specialties WHERE name = 'Cardiology') AND EXISTS "
        "(SELECT 1 FROM provider_insurance pi WHERE pi.provider_id = p.id AND pi.plan_id = ?)",
        (plan,),
    )
    patient = final.execute("SELECT * FROM patients WHERE id = ?", (pid,)).fetchone()
    live = final.execute(
        "SELECT a.id, a.slot_id, a.status FROM appointments a JOIN slots s ON s.id = a.slot_id "
        "JOIN providers p ON p.id = s.provider_id JOIN specialties sp ON sp.id = p.specialty_id "
        "WHERE a.patient_id = ? AND a.status = 'scheduled' AND sp.name = 'Cardiology'",
        (pid,),
    ).fetchall()
    old_after = _appt(final, old["id"])
    moved = old_after["slot_id"] == target and old_after["status"] == "scheduled"
    checks = {
        "insurance updated to UnitedHealthcare Choice Plus": patient["insurance_plan_id"] == plan
        and (patient["member_id"] or "").strip().upper() == "UHC771204956",
        "exactly one upcoming cardiology appointment, in the earliest in-network slot": len(live) == 1
        and live[0]["slot_id"] == target,
        "old appointment moved or cancelled by the clinic": moved
        or (old_after["status"] == "cancelled" and old_after["cancelled_by"] == "clinic"),
        "Dr. Kim's slot reopened": _slot_status(final, old["slot_id"]) == "open",
        "no fee charged": not _new_rows(initial, final, "invoices"),
    }
    problems = _unexpected(
        _diff(initial, final),
        changed={"patients": [pid], "appointments": [old["id"]], "slots": [old["slot_id"], target]},
        added={"appointments": 0 if moved else 1},
    )
    return _result(checks, problems, {"expected_slot": target, "old_appointment": old["id"]})
