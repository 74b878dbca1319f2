"""Tools for the outpatient clinic front desk: scheduling, visits, prescriptions, billing and the waitlist.

Business rules live here, not in the schema, so that a violation comes back to the agent as one readable
ValueError. The clinic clock is fixed in the `settings` table (`now`, `today`); no tool reads the real clock.
"""

from __future__ import annotations

import datetime
import sqlite3
from typing import Literal

_LIVE = ("scheduled", "checked_in")


# ----------------------------------------------------------------------------- internal helpers


def _setting(conn: sqlite3.Connection, key: str) -> str:
    row = conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    if row is None:
        raise ValueError(f"clinic setting {key!r} is missing")
    return row["value"]


def _now(conn: sqlite3.Connection) -> str:
    return _setting(conn, "now")


def _today(conn: sqlite3.Connection) -> str:
    return _setting(conn, "today")


def _parse_time(value: str, what: str) -> datetime.datetime:
    try:
        return datetime.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be an ISO date/time like 2025-03-14T09:00, got {value!r}") from None


def _check_date(value: str, what: str) -> str:
    try:
        datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be an ISO date like 2025-03-14, got {value!r}") from None
    return value


def _day_end(value: str) -> str:
    """Upper bound for a date filter: a bare date includes the whole day."""
    return value + "T23:59" if len(value) == 10 else value


def _one(conn: sqlite3.Connection, sql: str, params: tuple, missing: str) -> sqlite3.Row:
    row = conn.execute(sql, params).fetchone()
    if row is None:
        raise ValueError(missing)
    return row


def _patient(conn: sqlite3.Connection, patient_id: int) -> sqlite3.Row:
    return _one(
        conn, "SELECT * FROM patients WHERE id = ?", (patient_id,), f"no patient with id {patient_id}"
    )


def _provider(conn: sqlite3.Connection, provider_id: int) -> sqlite3.Row:
    return _one(
        conn, "SELECT * FROM providers WHERE id = ?", (provider_id,), f"no provider with id {provider_id}"
    )


def _slot(conn: sqlite3.Connection, slot_id: int) -> sqlite3.Row:
    return _one(conn, "SELECT * FROM slots WHERE id = ?", (slot_id,), f"no slot with id {slot_id}")


def _appointment(conn: sqlite3.Connection, appointment_id: int) -> sqlite3.Row:
    return _one(
        conn,
        "SELECT a.*, s.provider_id, s.start_time, s.end_time FROM appointments a "
        "JOIN slots s ON s.id = a.slot_id WHERE a.id = ?",
        (appointment_id,),
        f"no appointment with id {appointment_id}",
    )


_APPOINTMENT_SELECT = (
    "SELECT a.id, a.patient_id, p.first_name || ' ' || p.last_name AS patient_name, s.provider_id, "
    "'Dr. ' || pr.first_name || ' ' || pr.last_name AS provider_name, sp.name AS specialty, a.slot_id, "
    "s.start_time, s.end_time, r.name AS room, a.reason, a.status, a.booked_on, a.cancelled_by, "
    "a.cancel_reason, a.reschedule_count "
    "FROM appointments a JOIN patients p ON p.id = a.patient_id JOIN slots s ON s.id = a.slot_id "
    "JOIN providers pr ON pr.id = s.provider_id JOIN specialties sp ON sp.id = pr.specialty_id "
    "JOIN rooms r ON r.id = s.room_id"
)


def _appointment_view(conn: sqlite3.Connection, appointment_id: int) -> dict:
    return dict(conn.execute(_APPOINTMENT_SELECT + " WHERE a.id = ?", (appointment_id,)).fetchone())


def _in_network(conn: sqlite3.Connection, patient: sqlite3.Row, provider_id: int) -> None:
    if patient["insurance_plan_id"] is None:
        return  # self-pay patients may see anyone
    ok = conn.execute(
        "SELECT 1 FROM provider_insurance WHERE provider_id = ? AND plan_id = ?",
        (provider_id, patient["insurance_plan_id"]),
    ).fetchone()
    if ok is None:
        plan = conn.execute(
            "SELECT name FROM insurance_plans WHERE id = ?", (patient["insurance_plan_id"],)
        ).fetchone()
        raise ValueError(
            f"provider {provider_id} is out of network for the patient's plan ({plan['name']}); "
            "choose a provider who accepts it"
        )


def _check_bookable(
    conn: sqlite3.Connection, patient: sqlite3.Row, slot: sqlite3.Row, ignore_appointment: int | None = None
) -> None:
    """Every rule that must hold before a patient can take a slot (new booking or reschedule)."""
    if patient["status"] != "active":
        raise ValueError(f"patient {patient['id']} is inactive; reactivate the record before booking")
    if slot["status"] != "open":
        raise ValueError(f"slot {slot['id']} is {slot['status']}, not open")
    if slot["start_time"] <= _now(conn):
        raise ValueError(f"slot {slot['id']} starts at {slot['start_time']}, which is in the past")
    provider = _provider(conn, slot["provider_id"])
    if not provider["active"]:
        raise ValueError(f"provider {provider['id']} is no longer active")
    _in_network(conn, patient, provider["id"])
    if not provider["accepting_new_patients"]:
        seen = conn.execute(
            "SELECT 1 FROM appointments a JOIN slots s ON s.id = a.slot_id "
            "WHERE a.patient_id = ? AND s.provider_id = ? AND a.status = 'completed'",
            (patient["id"], provider["id"]),
        ).fetchone()
        if seen is None:
            raise ValueError(
                f"Dr. {provider['last_name']} is not accepting new patients and has not seen patient "
                f"{patient['id']} before; add the patient to the waitlist instead"
            )
    clash = conn.execute(
        "SELECT a.id, s.start_time FROM appointments a JOIN slots s ON s.id = a.slot_id "
        "WHERE a.patient_id = ? AND a.status IN ('scheduled', 'checked_in') AND a.id IS NOT ? "
        "AND s.start_time < ? AND s.end_time > ?",
        (patient["id"], ignore_appointment, slot["end_time"], slot["start_time"]),
    ).fetchone()
    if clash is not None:
        raise ValueError(
            f"patient {patient['id']} already has appointment {clash['id']} at {clash['start_time']}, "
            "which overlaps this slot"
        )


def _book(conn: sqlite3.Connection, patient_id: int, slot_id: int, reason: str) -> int:
    if not reason.strip():
        raise ValueError("reason must describe why the patient is coming in")
    patient = _patient(conn, patient_id)
    slot = _slot(conn, slot_id)
    _check_bookable(conn, patient, slot)
    cur = conn.execute(
        "INSERT INTO appointments (patient_id, slot_id, reason, status, booked_on) VALUES (?, ?, ?, 'scheduled', ?)",
        (patient_id, slot_id, reason.strip(), _today(conn)),
    )
    conn.execute("UPDATE slots SET status = 'booked' WHERE id = ?", (slot_id,))
    return int(cur.lastrowid)


def _invoice(conn: sqlite3.Connection, patient_id: int, appointment_id: int, kind: str, amount: int) -> int:
    cur = conn.execute(
        "INSERT INTO invoices (patient_id, appointment_id, kind, amount_cents, status, issued_on) "
        "VALUES (?, ?, ?, ?, 'open', ?)",
        (patient_id, appointment_id, kind, amount, _today(conn)),
    )
    return int(cur.lastrowid)


def _page(limit: int, offset: int) -> tuple[int, int]:
    if limit < 1 or limit > 200:
        raise ValueError("limit must be between 1 and 200")
    if offset < 0:
        raise ValueError("offset must be 0 or more")
    return limit, offset


def _name_pattern(name: str) -> str:
    cleaned = name.strip()
    if cleaned.lower().startswith(("dr.", "dr ")):
        cleaned = cleaned[3:].strip()
    return "%" + "%".join(cleaned.split()) + "%"


# ----------------------------------------------------------------------------- clinic reference data


def get_clinic_info(conn: sqlite3.Connection) -> dict:
    """Clinic name, the current date/time at the clinic, and the fee policies (late cancellation, no-show).

    Args:
        conn: database connection (supplied by the runtime).
    """
    rows = conn.execute("SELECT key, value FROM settings ORDER BY key").fetchall()
    return {r["key"]: r["value"] for r in rows}


def list_specialties(conn: sqlite3.Connection) -> list:
    """All medical specialties offered at the clinic, with how many active providers practise each.

    Args:
        conn: database connection (supplied by the runtime).
    """
    rows = conn.execute(
        "SELECT sp.id, sp.name, sp.is_primary_care, sp.description, "
        "(SELECT COUNT(*) FROM providers p WHERE p.specialty_id = sp.id AND p.active = 1) AS provider_count "
        "FROM specialties sp ORDER BY sp.name"
    ).fetchall()
    return [dict(r) for r in rows]


def search_providers(
    conn: sqlite3.Connection,
    name: str | None = None,
    specialty: str | None = None,
    accepts_plan_id: int | None = None,
    accepting_new_patients: bool | None = None,
    include_inactive: bool = False,
) -> list:
    """Find providers by name, specialty, accepted insurance plan, or whether they take new patients.

    Args:
        conn: database connection (supplied by the runtime).
        name: part of the provider's first and/or last name ("Dr." prefix is ignored).
        specialty: specialty name or part of it, e.g. "cardio".
        accepts_plan_id: only providers in network with this insurance plan id.
        accepting_new_patients: filter on whether the provider is taking new patients.
        include_inactive: also return providers who no longer practise here.
    """
    sql = (
        "SELECT p.id, p.first_name, p.last_name, p.credentials, sp.name AS specialty, p.specialty_id, "
        "p.email, p.phone, p.accepting_new_patients, p.active FROM providers p "
        "JOIN specialties sp ON sp.id = p.specialty_id WHERE 1 = 1"
    )
    params: list = []
    if name:
        sql += " AND (p.first_name || ' ' || p.last_name) LIKE ?"
        params.append(_name_pattern(name))
    if specialty:
        sql += " AND sp.name LIKE ?"
        params.append("%" + specialty.strip() + "%")
    if accepts_plan_id is not None:
        sql += (
            " AND EXISTS (SELECT 1 FROM provider_insurance pi WHERE pi.provider_id = p.id AND pi.plan_id = ?)"
        )
        params.append(accepts_plan_id)
    if accepting_new_patients is not None:
        sql += " AND p.accepting_new_patients = ?"
        params.append(1 if accepting_new_patients else 0)
    if not include_inactive:
        sql += " AND p.active = 1"
    rows = conn.execute(sql + " ORDER BY p.last_name, p.first_name", params).fetchall()
    return [dict(r) for r in rows]


def get_provider(conn: sqlite3.Connection, provider_id: int) -> dict:
    """One provider's profile, including the insurance plans they accept and their usual room.

    Args:
        conn: database connection (supplied by the runtime).
        provider_id: the provider's id.
    """
    provider = dict(_provider(conn, provider_id))
    provider["specialty"] = conn.execute(
        "SELECT name FROM specialties WHERE id = ?", (provider["specialty_id"],)
    ).fetchone()["name"]
    plans = conn.execute(
        "SELECT ip.id, ip.name FROM provider_insurance pi JOIN insurance_plans ip ON ip.id = pi.plan_id "
        "WHERE pi.provider_id = ? ORDER BY ip.name",
        (provider_id,),
    ).fetchall()
    provider["accepted_plans"] = [dict(p) for p in plans]
    return provider


def list_insurance_plans(conn: sqlite3.Connection, include_inactive: bool = False) -> list:
    """Insurance plans the clinic knows, with copays in cents for primary-care and specialist visits.

    Args:
        conn: database connection (supplied by the runtime).
        include_inactive: also list plans the clinic no longer contracts with.
    """
    sql = "SELECT * FROM insurance_plans"
    if not include_inactive:
        sql += " WHERE active = 1"
    return [dict(r) for r in conn.execute(sql + " ORDER BY name").fetchall()]


def list_rooms(
    conn: sqlite3.Connection, room_type: Literal["exam", "procedure", "consult"] | None = None
) -> list:
    """Clinic rooms, optionally only of one type.

    Args:
        conn: database connection (supplied by the runtime).
        room_type: "exam", "procedure" or "consult".
    """
    sql, params = "SELECT * FROM rooms", []
    if room_type is not None:
        sql += " WHERE room_type = ?"
        params.append(room_type)
    return [dict(r) for r in conn.execute(sql + " ORDER BY name", params).fetchall()]


# ----------------------------------------------------------------------------- patients


def search_patients(
    conn: sqlite3.Connection,
    name: str | None = None,
    date_of_birth: str | None = None,
    phone: str | None = None,
    insurance_plan_id: int | None = None,
    status: Literal["active", "inactive"] | None = None,
    limit: int = 20,
    offset: int = 0,
) -> list:
    """Find patients by name, date of birth, phone number, insurance plan or record status.

    Args:
        conn: database connection (supplied by the runtime).
        name: part of the first and/or last name, e.g. "maria gonz".
        date_of_birth: exact date of birth, YYYY-MM-DD.
        phone: digits of the phone number (punctuation is ignored).
        insurance_plan_id: only patients on this plan.
        status: "active" or "inactive".
        limit: maximum rows to return (1-200).
        offset: rows to skip, for paging.
    """
    limit, offset = _page(limit, offset)
    sql = (
        "SELECT p.id, p.first_name, p.last_name, p.date_of_birth, p.phone, p.email, p.insurance_plan_id, "
        "ip.name AS insurance_plan, p.status FROM patients p "
        "LEFT JOIN insurance_plans ip ON ip.id = p.insurance_plan_id WHERE 1 = 1"
    )
    params: list = []
    if name:
        sql += " AND (p.first_name || ' ' || p.last_name) LIKE ?"
        params.append(_name_pattern(name))
    if date_of_birth:
        sql += " AND p.date_of_birth = ?"
        params.append(_check_date(date_of_birth, "date_of_birth"))
    if phone:
        digits = "".join(ch for ch in phone if ch.isdigit())
        sql += " AND replace(replace(replace(replace(p.phone, '(', ''), ')', ''), '-', ''), ' ', '') LIKE ?"
        params.append("%" + digits + "%")
    if insurance_plan_id is not None:
        sql += " AND p.insurance_plan_id = ?"
        params.append(insurance_plan_id)
    if status is not None:
        sql += " AND p.status = ?"
        params.append(status)
    sql += " ORDER BY p.last_name, p.first_name, p.id LIMIT ? OFFSET ?"
    return [dict(r) for r in conn.execute(sql, [*params, limit, offset]).fetchall()]


def get_patient(conn: sqlite3.Connection, patient_id: int) -> dict:
    """A patient's full record, with their insurance plan name and open balance in cents.

    Args:
        conn: database connection (supplied by the runtime).
        patient_id: the patient's id.
    """
    patient = dict(_patient(conn, patient_id))
    plan = None
    if patient["insurance_plan_id"] is not None:
        plan = conn.execute(
            "SELECT name FROM insurance_plans WHERE id = ?", (patient["insurance_plan_id"],)
        ).fetchone()["name"]
    patient["insurance_plan"] = plan
    patient["open_balance_cents"] = conn.execute(
        "SELECT COALESCE(SUM(amount_cents), 0) AS t FROM invoices WHERE patient_id = ? AND status = 'open'",
        (patient_id,),
    ).fetchone()["t"]
    return patient


def _active_plan(conn: sqlite3.Connection, plan_id: int | None, member_id: str | None) -> None:
    if plan_id is None:
        if member_id:
            raise ValueError("member_id given without insurance_plan_id")
        return
    plan = _one(
        conn, "SELECT * FROM insurance_plans WHERE id = ?", (plan_id,), f"no insurance plan with id {plan_id}"
    )
    if not plan["active"]:
        raise ValueError(
            f"the clinic no longer accepts {plan['name']}; the patient must be self-pay or switch plans"
        )
    if not member_id or not member_id.strip():
        raise ValueError("member_id is required when an insurance plan is given")


def create_patient(
    conn: sqlite3.Connection,
    first_name: str,
    last_name: str,
    date_of_birth: str,
    sex: Literal["F", "M", "X"],
    phone: str,
    address: str,
    city: str,
    state: str,
    zip: str,
    email: str | None = None,
    insurance_plan_id: int | None = None,
    member_id: str | None = None,
) -> dict:
    """Register a new patient. Refuses a duplicate (same name and date of birth) and inactive insurance plans.

    Args:
        conn: database connection (supplied by the runtime).
        first_name: given name.
        last_name: family name.
        date_of_birth: YYYY-MM-DD.
        sex: "F", "M" or "X".
        phone: contact phone number.
        address: street address.
        city: city.
        state: two-letter state code.
        zip: ZIP code.
        email: contact email, if any.
        insurance_plan_id: the patient's plan; leave empty for self-pay.
        member_id: insurance member id (required with a plan).
    """
    if not first_name.strip() or not last_name.strip():
        raise ValueError("first_name and last_name are required")
    _check_date(date_of_birth, "date_of_birth")
    if date_of_birth > _today(conn):
        raise ValueError("date_of_birth is in the future")
    _active_plan(conn, insurance_plan_id, member_id)
    dup = conn.execute(
        "SELECT id FROM patients WHERE lower(first_name) = lower(?) AND lower(last_name) = lower(?) "
        "AND date_of_birth = ?",
        (first_name.strip(), last_name.strip(), date_of_birth),
    ).fetchone()
    if dup is not None:
        raise ValueError(f"patient already exists with id {dup['id']}")
    cur = conn.execute(
        "INSERT INTO patients (first_name, last_name, date_of_birth, sex, phone, email, address, city, state, zip, "
        "insurance_plan_id, member_id, status, created_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?)",
        (
            first_name.strip(),
            last_name.strip(),
            date_of_birth,
            sex,
            phone,
            email,
            address,
            city,
            state,
            zip,
            insurance_plan_id,
            member_id.strip() if member_id else None,
            _today(conn),
        ),
    )
    return get_patient(conn, int(cur.lastrowid))


def update_patient_contact(
    conn: sqlite3.Connection,
    patient_id: int,
    phone: str | None = None,
    email: str | None = None,
    address: str | None = None,
    city: str | None = None,
    state: str | None = None,
    zip: str | None = None,
) -> dict:
    """Change a patient's phone, email or address. Only the fields given are changed.

    Args:
        conn: database connection (supplied by the runtime).
        patient_id: the patient's id.
        phone: new phone number.
        email: new email address.
        address: new street address.
        city: new city.
        state: new two-letter state code.
        zip: new ZIP code.
    """
    _patient(conn, patient_id)
    changes = {"phone": phone, "email": email, "address": address, "city": city, "state": state, "zip": zip}
    changes = {k: v for k, v in changes.items() if v is not None}
    if not changes:
        raise ValueError("give at least one field to change")
    for column, value in changes.items():
        conn.execute(f"UPDATE patients SET {column} = ? WHERE id = ?", (value, patient_id))
    return get_patient(conn, patient_id)


def update_patient_insurance(
    conn: sqlite3.Connection, patient_id: int, insurance_plan_id: int | None, member_id: str | None = None
) -> dict:
    """Change a patient's insurance plan (or make them self-pay with no plan). Existing appointments are not
    re-checked: if the patient's providers are out of network for the new plan, rebook them separately.

    Args:
        conn: database connection (supplied by the runtime).
        patient_id: the patient's id.
        insurance_plan_id: the new plan's id, or null for self-pay.
        member_id: member id on the new plan (required with a plan).
    """
    _patient(conn, patient_id)
    _active_plan(conn, insurance_plan_id, member_id)
    conn.execute(
        "UPDATE patients SET insurance_plan_id = ?, member_id = ? WHERE id = ?",
        (
            insurance_plan_id,
            member_id.strip() if insurance_plan_id is not None and member_id else None,
            patient_id,
        ),
    )
    return get_patient(conn, patient_id)


def deactivate_patient(conn: sqlite3.Connection, patient_id: int) -> dict:
    """Mark a patient record inactive (moved away, transferred care). Refused while the patient still has
    upcoming appointments or an open waitlist entry.

    Args:
        conn: database connection (supplied by the runtime).
        patient_id: the patient's id.
    """
    patient = _patient(conn, patient_id)
    if patient["status"] == "inactive":
        raise ValueError(f"patient {patient_id} is already inactive")
    upcoming = conn.execute(
        "SELECT COUNT(*) AS n FROM appointments WHERE patient_id = ? AND status IN ('scheduled', 'checked_in')",
        (patient_id,),
    ).fetchone()["n"]
    if upcoming:
        raise ValueError(f"patient {patient_id} has {upcoming} upcoming appointment(s); cancel them first")
    waiting = conn.execute(
        "SELECT COUNT(*) AS n FROM waitlist WHERE patient_id = ? AND status = 'waiting'", (patient_id,)
    ).fetchone()["n"]
    if waiting:
        raise ValueError(f"patient {patient_id} is still on the waitlist; remove the entry first")
    conn.execute("UPDATE patients SET status = 'inactive' WHERE id = ?", (patient_id,))
    return get_patient(conn, patient_id)


# ----------------------------------------------------------------------------- schedule


def search_slots(
    conn: sqlite3.Connection,
    provider_id: int | None = None,
    specialty_id: int | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    status: Literal["open", "booked", "blocked", "any"] = "open",
    accepts_plan_id: int | None = None,
    include_past: bool = False,
    limit: int = 20,
    offset: int = 0,
) -> list:
    """Find schedule slots, earliest first. By default only open slots that have not started yet.

    Args:
        conn: database connection (supplied by the runtime).
        provider_id: only this provider's slots.
        specialty_id: only slots of providers in this specialty.
        date_from: earliest start (YYYY-MM-DD or YYYY-MM-DDTHH:MM), inclusive.
        date_to: latest start (YYYY-MM-DD means through the end of that day), inclusive.
        status: "open" (default), "booked", "blocked" or "any".
        accepts_plan_id: only slots of providers in network with this insurance plan.
        include_past: also return slots that started before now.
        limit: maximum rows to return (1-200).
        offset: rows to skip, for paging.
    """
    limit, offset = _page(limit, offset)
    sql = (
        "SELECT s.id, s.provider_id, 'Dr. ' || p.first_name || ' ' || p.last_name AS provider_name, "
        "sp.name AS specialty, s.room_id, r.name AS room, s.start_time, s.end_time, s.status, s.block_reason "
        "FROM slots s JOIN providers p ON p.id = s.provider_id JOIN specialties sp ON sp.id = p.specialty_id "
        "JOIN rooms r ON r.id = s.room_id WHERE p.active = 1"
    )
    params: list = []
    if provider_id is not None:
        sql += " AND s.provider_id = ?"
        params.append(provider_id)
    if specialty_id is not None:
        sql += " AND p.specialty_id = ?"
        params.append(specialty_id)
    if date_from:
        _parse_time(date_from, "date_from")
        sql += " AND s.start_time >= ?"
        params.append(date_from)
    if date_to:
        _parse_time(date_to, "date_to")
        sql += " AND s.start_time <= ?"
        params.append(_day_end(date_to))
    if status != "any":
        sql += " AND s.status = ?"
        params.append(status)
    if accepts_plan_id is not None:
        sql += (
            " AND EXISTS (SELECT 1 FROM provider_insurance pi WHERE pi.provider_id = p.id AND pi.plan_id = ?)"
        )
        params.append(accepts_plan_id)
    if not include_past:
        sql += " AND s.start_time > ?"
        params.append(_now(conn))
    sql += " ORDER BY s.start_time, s.provider_id LIMIT ? OFFSET ?"
    return [dict(r) for r in conn.execute(sql, [*params, limit, offset]).fetchall()]


def create_slot(
    conn: sqlite3.Connection, provider_id: int, room_id: int, start_time: str, duration_minutes: int = 45
) -> dict:
    """Open a new bookable slot for a provider in a room. Refused if the provider or the room is already
    scheduled at an overlapping time, or if the time is in the past.

    Args:
        conn: database connection (supplied by the runtime).
        provider_id: the provider's id.
        room_id: the room's id.
        start_time: start, YYYY-MM-DDTHH:MM.
        duration_minutes: length of the slot, 15-120 minutes.
    """
    provider = _provider(conn, provider_id)
    if not provider["active"]:
        raise ValueError(f"provider {provider_id} is no longer active")
    _one(conn, "SELECT id FROM rooms WHERE id = ?", (room_id,), f"no room with id {room_id}")
    start = _parse_time(start_time, "start_time")
    if len(start_time) != 16:
        raise ValueError("start_time must look like 2025-03-14T09:00")
    if duration_minutes < 15 or duration_minutes > 120:
        raise ValueError("duration_minutes must be between 15 and 120")
    if start_time <= _now(conn):
        raise ValueError("cannot create a slot in the past")
    end_time = (start + datetime.timedelta(minutes=duration_minutes)).isoformat(timespec="minutes")
    for column, value, what in (("provider_id", provider_id, "provider"), ("room_id", room_id, "room")):
        clash = conn.execute(
            f"SELECT id, start_time FROM slots WHERE {column} = ? AND start_time < ? AND end_time > ?",
            (value, end_time, start_time),
        ).fetchone()
        if clash is not None:
            raise ValueError(
                f"the {what} already has slot {clash['id']} at {clash['start_time']}, which overlaps"
            )
    cur = conn.execute(
        "INSERT INTO slots (provider_id, room_id, start_time, end_time, status) VALUES (?, ?, ?, ?, 'open')",
        (provider_id, room_id, start_time, end_time),
    )
    return dict(_slot(conn, int(cur.lastrowid)))


def block_slot(conn: sqlite3.Connection, slot_id: int, reason: str) -> dict:
    """Take an open slot off the schedule (provider out, room closed). Booked slots must be cancelled first.

    Args:
        conn: database connection (supplied by the runtime).
        slot_id: the slot's id.
        reason: why the slot is blocked.
    """
    slot = _slot(conn, slot_id)
    if slot["status"] != "open":
        raise ValueError(f"slot {slot_id} is {slot['status']}; only open slots can be blocked")
    if slot["start_time"] <= _now(conn):
        raise ValueError(f"slot {slot_id} is in the past")
    if not reason.strip():
        raise ValueError("reason is required")
    conn.execute(
        "UPDATE slots SET status = 'blocked', block_reason = ? WHERE id = ?", (reason.strip(), slot_id)
    )
    return dict(_slot(conn, slot_id))


def unblock_slot(conn: sqlite3.Connection, slot_id: int) -> dict:
    """Put a blocked slot back on the schedule as open.

    Args:
        conn: database connection (supplied by the runtime).
        slot_id: the slot's id.
    """
    slot = _slot(conn, slot_id)
    if slot["status"] != "blocked":
        raise ValueError(f"slot {slot_id} is {slot['status']}, not blocked")
    conn.execute("UPDATE slots SET status = 'open', block_reason = NULL WHERE id = ?", (slot_id,))
    return dict(_slot(conn, slot_id))


# ----------------------------------------------------------------------------- appointments


def search_appointments(
    conn: sqlite3.Connection,
    patient_id: int | None = None,
    provider_id: int | None = None,
    status: Literal["scheduled", "checked_in", "completed", "cancelled", "no_show"] | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list:
    """Find appointments by patient, provider, status and date range, earliest first.

    Args:
        conn: database connection (supplied by the runtime).
        patient_id: only this patient's appointments.
        provider_id: only this provider's appointments.
        status: "scheduled", "checked_in", "completed", "cancelled" or "no_show".
        date_from: earliest start (YYYY-MM-DD or YYYY-MM-DDTHH:MM), inclusive.
        date_to: latest start (YYYY-MM-DD means through the end of that day), inclusive.
        limit: maximum rows to return (1-200).
        offset: rows to skip, for paging.
    """
    limit, offset = _page(limit, offset)
    sql, params = _APPOINTMENT_SELECT + " WHERE 1 = 1", []
    if patient_id is not None:
        sql += " AND a.patient_id = ?"
        params.append(patient_id)
    if provider_id is not None:
        sql += " AND s.provider_id = ?"
        params.append(provider_id)
    if status is not None:
        sql += " AND a.status = ?"
        params.append(status)
    if date_from:
        _parse_time(date_from, "date_from")
        sql += " AND s.start_time >= ?"
        params.append(date_from)
    if date_to:
        _parse_time(date_to, "date_to")
        sql += " AND s.start_time <= ?"
        params.append(_day_end(date_to))
    sql += " ORDER BY s.start_time, a.id LIMIT ? OFFSET ?"
    return [dict(r) for r in conn.execute(sql, [*params, limit, offset]).fetchall()]


def get_appointment(conn: sqlite3.Connection, appointment_id: int) -> dict:
    """One appointment with patient, provider, room, and any visit note, invoices and prescriptions.

    Args:
        conn: database connection (supplied by the runtime).
        appointment_id: the appointment's id.
    """
    _appointment(conn, appointment_id)
    view = _appointment_view(conn, appointment_id)
    note = conn.execute("SELECT * FROM visit_notes WHERE appointment_id = ?", (appointment_id,)).fetchone()
    view["visit_note"] = dict(note) if note else None
    view["invoices"] = [
        dict(r)
        for r in conn.execute(
            "SELECT * FROM invoices WHERE appointment_id = ? ORDER BY id", (appointment_id,)
        )
    ]
    view["prescriptions"] = [
        dict(r)
        for r in conn.execute(
            "SELECT * FROM prescriptions WHERE appointment_id = ? ORDER BY id", (appointment_id,)
        )
    ]
    return view


def book_appointment(conn: sqlite3.Connection, patient_id: int, slot_id: int, reason: str) -> dict:
    """Book an open future slot for a patient. The provider must be in network for the patient's insurance
    (self-pay patients may see anyone), must be accepting new patients unless they have seen the patient before,
    and the patient may not have another appointment at an overlapping time.

    Args:
        conn: database connection (supplied by the runtime).
        patient_id: the patient's id.
        slot_id: an open slot's id (see search_slots).
        reason: reason for the visit, e.g. "knee pain".
    """
    return _appointment_view(conn, _book(conn, patient_id, slot_id, reason))


def reschedule_appointment(conn: sqlite3.Connection, appointment_id: int, new_slot_id: int) -> dict:
    """Move a scheduled appointment to another open future slot (same or different provider) without a fee.
    The old slot is reopened. The same booking rules as book_appointment apply to the new slot.

    Args:
        conn: database connection (supplied by the runtime).
        appointment_id: the appointment to move.
        new_slot_id: the open slot to move it to.
    """
    appt = _appointment(conn, appointment_id)
    if appt["status"] != "scheduled":
        raise ValueError(
            f"appointment {appointment_id} is {appt['status']}; only scheduled appointments move"
        )
    if appt["start_time"] <= _now(conn):
        raise ValueError(
            f"appointment {appointment_id} has already started; mark it completed or no-show instead"
        )
    if new_slot_id == appt["slot_id"]:
        raise ValueError("the appointment is already in that slot")
    slot = _slot(conn, new_slot_id)
    _check_bookable(conn, _patient(conn, appt["patient_id"]), slot, ignore_appointment=appointment_id)
    conn.execute("UPDATE slots SET status = 'open' WHERE id = ?", (appt["slot_id"],))
    conn.execute(
        "UPDATE appointments SET slot_id = ?, reschedule_count = reschedule_count + 1 WHERE id = ?",
        (new_slot_id, appointment_id),
    )
    conn.execute("UPDATE slots SET status = 'booked' WHERE id = ?", (new_slot_id,))
    return _appointment_view(conn, appointment_id)


def cancel_appointment(
    conn: sqlite3.Connection, appointment_id: int, cancelled_by: Literal["patient", "clinic"], reason: str
) -> dict:
    """Cancel a scheduled appointment and reopen its slot. A patient-initiated cancellation less than the
    late-cancellation window (see get_clinic_info) before the start creates a late-cancellation fee invoice;
    clinic-initiated cancellations never do.

    Args:
        conn: database connection (supplied by the runtime).
        appointment_id: the appointment to cancel.
        cancelled_by: "patient" if the patient asked, "clinic" if the clinic cancels (provider out, etc.).
        reason: short reason recorded on the appointment.
    """
    appt = _appointment(conn, appointment_id)
    if appt["status"] != "scheduled":
        raise ValueError(
            f"appointment {appointment_id} is {appt['status']}; only scheduled appointments can be cancelled"
        )
    now = _now(conn)
    if appt["start_time"] <= now:
        raise ValueError(f"appointment {appointment_id} has already started; mark it as a no-show instead")
    if not reason.strip():
        raise ValueError("reason is required")
    conn.execute(
        "UPDATE appointments SET status = 'cancelled', cancelled_by = ?, cancel_reason = ? WHERE id = ?",
        (cancelled_by, reason.strip(), appointment_id),
    )
    conn.execute("UPDATE slots SET status = 'open' WHERE id = ?", (appt["slot_id"],))
    hours = (_parse_time(appt["start_time"], "start") - _parse_time(now, "now")).total_seconds() / 3600
    fee_invoice = None
    if cancelled_by == "patient" and hours < float(_setting(conn, "late_cancel_window_hours")):
        fee = int(_setting(conn, "late_cancel_fee_cents"))
        fee_invoice = _invoice(conn, appt["patient_id"], appointment_id, "late_cancel", fee)
    view = _appointment_view(conn, appointment_id)
    view["late_cancel_invoice_id"] = fee_invoice
    return view


def check_in_appointment(conn: sqlite3.Connection, appointment_id: int) -> dict:
    """Check a patient in for today's scheduled appointment.

    Args:
        conn: database connection (supplied by the runtime).
        appointment_id: the appointment's id.
    """
    appt = _appointment(conn, appointment_id)
    if appt["status"] != "scheduled":
        raise ValueError(f"appointment {appointment_id} is {appt['status']}, not scheduled")
    if appt["start_time"][:10] != _today(conn):
        raise ValueError(f"appointment {appointment_id} is on {appt['start_time'][:10]}, not today")
    conn.execute("UPDATE appointments SET status = 'checked_in' WHERE id = ?", (appointment_id,))
    return _appointment_view(conn, appointment_id)


def complete_appointment(
    conn: sqlite3.Connection, appointment_id: int, diagnosis_code: str, summary: str
) -> dict:
    """Close out a visit that has started: records the visit note and bills the patient (their plan's
    primary-care or specialist copay, or the self-pay visit fee if they have no insurance).

    Args:
        conn: database connection (supplied by the runtime).
        appointment_id: the appointment's id (scheduled or checked in, start time not in the future).
        diagnosis_code: ICD-10 code, e.g. "I10".
        summary: the provider's visit summary.
    """
    appt = _appointment(conn, appointment_id)
    if appt["status"] not in _LIVE:
        raise ValueError(f"appointment {appointment_id} is {appt['status']}; it cannot be completed")
    if appt["start_time"] > _now(conn):
        raise ValueError(f"appointment {appointment_id} has not started yet ({appt['start_time']})")
    code = diagnosis_code.strip().upper()
    if not code or not summary.strip():
        raise ValueError("diagnosis_code and summary are required")
    conn.execute("UPDATE appointments SET status = 'completed' WHERE id = ?", (appointment_id,))
    conn.execute(
        "INSERT INTO visit_notes (appointment_id, diagnosis_code, summary, created_at) VALUES (?, ?, ?, ?)",
        (appointment_id, code, summary.strip(), _now(conn)),
    )
    patient = _patient(conn, appt["patient_id"])
    primary = conn.execute(
        "SELECT sp.is_primary_care FROM providers p JOIN specialties sp ON sp.id = p.specialty_id WHERE p.id = ?",
        (appt["provider_id"],),
    ).fetchone()["is_primary_care"]
    if patient["insurance_plan_id"] is None:
        kind, amount = "self_pay", int(_setting(conn, "self_pay_visit_fee_cents"))
    else:
        plan = conn.execute(
            "SELECT * FROM insurance_plans WHERE id = ?", (patient["insurance_plan_id"],)
        ).fetchone()
        kind, amount = "copay", plan["primary_copay_cents"] if primary else plan["specialist_copay_cents"]
    if amount > 0:
        _invoice(conn, patient["id"], appointment_id, kind, amount)
    return get_appointment(conn, appointment_id)


def mark_no_show(conn: sqlite3.Connection, appointment_id: int) -> dict:
    """Record that the patient did not come to a past scheduled appointment, and bill the no-show fee.

    Args:
        conn: database connection (supplied by the runtime).
        appointment_id: the appointment's id (must be scheduled and already started).
    """
    appt = _appointment(conn, appointment_id)
    if appt["status"] != "scheduled":
        raise ValueError(
            f"appointment {appointment_id} is {appt['status']}; only scheduled appointments can be no-shows"
        )
    if appt["start_time"] > _now(conn):
        raise ValueError(
            f"appointment {appointment_id} is in the future ({appt['start_time']}); cancel it instead"
        )
    conn.execute("UPDATE appointments SET status = 'no_show' WHERE id = ?", (appointment_id,))
    _invoice(conn, appt["patient_id"], appointment_id, "no_show", int(_setting(conn, "no_show_fee_cents")))
    return get_appointment(conn, appointment_id)


def get_visit_note(conn: sqlite3.Connection, appointment_id: int) -> dict:
    """The visit note (diagnosis and summary) of a completed appointment.

    Args:
        conn: database connection (supplied by the runtime).
        appointment_id: the appointment's id.
    """
    _appointment(conn, appointment_id)
    note = conn.execute("SELECT * FROM visit_notes WHERE appointment_id = ?", (appointment_id,)).fetchone()
    if note is None:
        raise ValueError(f"appointment {appointment_id} has no visit note")
    return dict(note)


# ----------------------------------------------------------------------------- prescriptions


def list_prescriptions(
    conn: sqlite3.Connection,
    patient_id: int | None = None,
    status: Literal["active", "discontinued"] | None = None,
    medication: str | None = None,
    provider_id: int | None = None,
) -> list:
    """Prescriptions, filtered by patient, status, medication name (partial) or prescribing provider.

    Args:
        conn: database connection (supplied by the runtime).
        patient_id: only this patient's prescriptions.
        status: "active" or "discontinued".
        medication: part of the medication name.
        provider_id: only prescriptions written by this provider.
    """
    sql, params = "SELECT * FROM prescriptions WHERE 1 = 1", []
    if patient_id is not None:
        sql += " AND patient_id = ?"
        params.append(patient_id)
    if status is not None:
        sql += " AND status = ?"
        params.append(status)
    if medication:
        sql += " AND medication LIKE ?"
        params.append("%" + medication.strip() + "%")
    if provider_id is not None:
        sql += " AND provider_id = ?"
        params.append(provider_id)
    return [dict(r) for r in conn.execute(sql + " ORDER BY prescribed_on, id", params).fetchall()]


def _drug(medication: str) -> str:
    words = medication.strip().lower().split()
    return words[0] if words else ""


def prescribe_medication(
    conn: sqlite3.Connection,
    appointment_id: int,
    medication: str,
    dosage: str,
    quantity: int,
    refills: int = 0,
) -> dict:
    """Write a prescription from a completed visit, by that visit's provider. Refused if the patient already
    has an active prescription for the same drug (discontinue it first to change the dose).

    Args:
        conn: database connection (supplied by the runtime).
        appointment_id: the completed appointment the prescription comes from.
        medication: drug name, e.g. "lisinopril".
        dosage: strength and directions, e.g. "10 mg once daily".
        quantity: number of units dispensed.
        refills: number of refills, 0-11.
    """
    appt = _appointment(conn, appointment_id)
    if appt["status"] != "completed":
        raise ValueError(
            f"appointment {appointment_id} is {appt['status']}; complete the visit before prescribing"
        )
    if not medication.strip() or not dosage.strip():
        raise ValueError("medication and dosage are required")
    if quantity < 1:
        raise ValueError("quantity must be at least 1")
    if refills < 0 or refills > 11:
        raise ValueError("refills must be between 0 and 11")
    drug = _drug(medication)
    for rx in conn.execute(
        "SELECT id, medication FROM prescriptions WHERE patient_id = ? AND status = 'active'",
        (appt["patient_id"],),
    ).fetchall():
        if _drug(rx["medication"]) == drug:
            raise ValueError(
                f"patient already has active prescription {rx['id']} for {rx['medication']}; discontinue it first"
            )
    cur = conn.execute(
        "INSERT INTO prescriptions (patient_id, provider_id, appointment_id, medication, dosage, quantity, refills, "
        "status, prescribed_on) VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?)",
        (
            appt["patient_id"],
            appt["provider_id"],
            appointment_id,
            medication.strip(),
            dosage.strip(),
            quantity,
            refills,
            _today(conn),
        ),
    )
    return dict(conn.execute("SELECT * FROM prescriptions WHERE id = ?", (cur.lastrowid,)).fetchone())


def discontinue_prescription(conn: sqlite3.Connection, prescription_id: int, reason: str) -> dict:
    """Stop an active prescription (dose change, side effects, course finished).

    Args:
        conn: database connection (supplied by the runtime).
        prescription_id: the prescription's id.
        reason: why it is discontinued.
    """
    rx = _one(
        conn,
        "SELECT * FROM prescriptions WHERE id = ?",
        (prescription_id,),
        f"no prescription with id {prescription_id}",
    )
    if rx["status"] != "active":
        raise ValueError(f"prescription {prescription_id} is already discontinued")
    if not reason.strip():
        raise ValueError("reason is required")
    conn.execute(
        "UPDATE prescriptions SET status = 'discontinued', discontinued_on = ?, discontinue_reason = ? WHERE id = ?",
        (_today(conn), reason.strip(), prescription_id),
    )
    return dict(conn.execute("SELECT * FROM prescriptions WHERE id = ?", (prescription_id,)).fetchone())


# ----------------------------------------------------------------------------- billing


def search_invoices(
    conn: sqlite3.Connection,
    patient_id: int | None = None,
    status: Literal["open", "paid", "void"] | None = None,
    kind: Literal["copay", "self_pay", "late_cancel", "no_show"] | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list:
    """Find invoices by patient, status, kind and issue date. Amounts are in cents.

    Args:
        conn: database connection (supplied by the runtime).
        patient_id: only this patient's invoices.
        status: "open", "paid" or "void".
        kind: "copay", "self_pay", "late_cancel" or "no_show".
        date_from: issued on or after this date (YYYY-MM-DD).
        date_to: issued on or before this date (YYYY-MM-DD).
        limit: maximum rows to return (1-200).
        offset: rows to skip, for paging.
    """
    limit, offset = _page(limit, offset)
    sql, params = "SELECT * FROM invoices WHERE 1 = 1", []
    if patient_id is not None:
        sql += " AND patient_id = ?"
        params.append(patient_id)
    if status is not None:
        sql += " AND status = ?"
        params.append(status)
    if kind is not None:
        sql += " AND kind = ?"
        params.append(kind)
    if date_from:
        sql += " AND issued_on >= ?"
        params.append(_check_date(date_from, "date_from"))
    if date_to:
        sql += " AND issued_on <= ?"
        params.append(_check_date(date_to, "date_to"))
    sql += " ORDER BY issued_on, id LIMIT ? OFFSET ?"
    return [dict(r) for r in conn.execute(sql, [*params, limit, offset]).fetchall()]


def get_invoice(conn: sqlite3.Connection, invoice_id: int) -> dict:
    """One invoice, with the patient's name and the appointment it bills for.

    Args:
        conn: database connection (supplied by the runtime).
        invoice_id: the invoice's id.
    """
    row = _one(
        conn,
        "SELECT i.*, p.first_name || ' ' || p.last_name AS patient_name, s.start_time AS appointment_time "
        "FROM invoices i JOIN patients p ON p.id = i.patient_id "
        "LEFT JOIN appointments a ON a.id = i.appointment_id LEFT JOIN slots s ON s.id = a.slot_id WHERE i.id = ?",
        (invoice_id,),
        f"no invoice with id {invoice_id}",
    )
    return dict(row)


def pay_invoice(conn: sqlite3.Connection, invoice_id: int, amount_cents: int) -> dict:
    """Record full payment of an open invoice. Partial payments are not accepted.

    Args:
        conn: database connection (supplied by the runtime).
        invoice_id: the invoice's id.
        amount_cents: amount paid in cents; must equal the invoice amount.
    """
    inv = get_invoice(conn, invoice_id)
    if inv["status"] != "open":
        raise ValueError(f"invoice {invoice_id} is {inv['status']}, not open")
    if amount_cents != inv["amount_cents"]:
        raise ValueError(
            f"invoice {invoice_id} is for {inv['amount_cents']} cents; partial payments are not accepted"
        )
    conn.execute("UPDATE invoices SET status = 'paid', paid_on = ? WHERE id = ?", (_today(conn), invoice_id))
    return get_invoice(conn, invoice_id)


def void_invoice(conn: sqlite3.Connection, invoice_id: int, reason: str) -> dict:
    """Void (waive) an open invoice. Paid invoices cannot be voided.

    Args:
        conn: database connection (supplied by the runtime).
        invoice_id: the invoice's id.
        reason: why it is waived, e.g. "manager approved waiver".
    """
    inv = get_invoice(conn, invoice_id)
    if inv["status"] != "open":
        raise ValueError(f"invoice {invoice_id} is {inv['status']}; only open invoices can be voided")
    if not reason.strip():
        raise ValueError("reason is required")
    conn.execute(
        "UPDATE invoices SET status = 'void', void_reason = ? WHERE id = ?", (reason.strip(), invoice_id)
    )
    return get_invoice(conn, invoice_id)


def get_patient_balance(conn: sqlite3.Connection, patient_id: int) -> dict:
    """What a patient currently owes: the total of their open invoices (in cents and dollars) and the list.

    Args:
        conn: database connection (supplied by the runtime).
        patient_id: the patient's id.
    """
    _patient(conn, patient_id)
    rows = [
        dict(r)
        for r in conn.execute(
            "SELECT * FROM invoices WHERE patient_id = ? AND status = 'open' ORDER BY issued_on, id",
            (patient_id,),
        )
    ]
    total = sum(r["amount_cents"] for r in rows)
    return {
        "patient_id": patient_id,
        "open_balance_cents": total,
        "open_balance": f"${total / 100:,.2f}",
        "open_invoices": rows,
    }


# ----------------------------------------------------------------------------- waitlist


def list_waitlist(
    conn: sqlite3.Connection,
    specialty_id: int | None = None,
    provider_id: int | None = None,
    patient_id: int | None = None,
    status: Literal["waiting", "booked", "removed", "any"] = "waiting",
) -> list:
    """Waitlist entries, most urgent first (priority 1 = urgent), then longest waiting.

    Args:
        conn: database connection (supplied by the runtime).
        specialty_id: only entries for this specialty.
        provider_id: only entries that asked for this provider.
        patient_id: only this patient's entries.
        status: "waiting" (default), "booked", "removed" or "any".
    """
    sql = (
        "SELECT w.*, p.first_name || ' ' || p.last_name AS patient_name, sp.name AS specialty "
        "FROM waitlist w JOIN patients p ON p.id = w.patient_id JOIN specialties sp ON sp.id = w.specialty_id "
        "WHERE 1 = 1"
    )
    params: list = []
    if specialty_id is not None:
        sql += " AND w.specialty_id = ?"
        params.append(specialty_id)
    if provider_id is not None:
        sql += " AND w.provider_id = ?"
        params.append(provider_id)
    if patient_id is not None:
        sql += " AND w.patient_id = ?"
        params.append(patient_id)
    if status != "any":
        sql += " AND w.status = ?"
        params.append(status)
    return [
        dict(r) for r in conn.execute(sql + " ORDER BY w.priority, w.requested_on, w.id", params).fetchall()
    ]


def add_to_waitlist(
    conn: sqlite3.Connection,
    patient_id: int,
    specialty_id: int,
    priority: int,
    notes: str = "",
    provider_id: int | None = None,
) -> dict:
    """Put a patient on the waitlist for a specialty (optionally a specific provider of that specialty).
    A patient can have only one waiting entry per specialty.

    Args:
        conn: database connection (supplied by the runtime).
        patient_id: the patient's id.
        specialty_id: the specialty wanted.
        priority: 1 = urgent, 2 = soon, 3 = routine.
        notes: what the patient needs, scheduling preferences.
        provider_id: a specific provider, if the patient asked for one.
    """
    patient = _patient(conn, patient_id)
    if patient["status"] != "active":
        raise ValueError(f"patient {patient_id} is inactive")
    _one(
        conn,
        "SELECT id FROM specialties WHERE id = ?",
        (specialty_id,),
        f"no specialty with id {specialty_id}",
    )
    if priority not in (1, 2, 3):
        raise ValueError("priority must be 1 (urgent), 2 (soon) or 3 (routine)")
    if provider_id is not None:
        provider = _provider(conn, provider_id)
        if provider["specialty_id"] != specialty_id:
            raise ValueError(f"provider {provider_id} does not practise specialty {specialty_id}")
        _in_network(conn, patient, provider_id)
    dup = conn.execute(
        "SELECT id FROM waitlist WHERE patient_id = ? AND specialty_id = ? AND status = 'waiting'",
        (patient_id, specialty_id),
    ).fetchone()
    if dup is not None:
        raise ValueError(f"patient is already waiting for this specialty (entry {dup['id']})")
    cur = conn.execute(
        "INSERT INTO waitlist (patient_id, specialty_id, provider_id, priority, requested_on, notes, status) "
        "VALUES (?, ?, ?, ?, ?, ?, 'waiting')",
        (patient_id, specialty_id, provider_id, priority, _today(conn), notes.strip()),
    )
    return dict(conn.execute("SELECT * FROM waitlist WHERE id = ?", (cur.lastrowid,)).fetchone())


def book_from_waitlist(
    conn: sqlite3.Connection, waitlist_id: int, slot_id: int, reason: str | None = None
) -> dict:
    """Book a waiting patient into an open slot and close their waitlist entry. The slot's provider must
    practise the entry's specialty (and be the requested provider, if one was named); all booking rules apply.

    Args:
        conn: database connection (supplied by the runtime).
        waitlist_id: the waitlist entry's id.
        slot_id: the open slot to book.
        reason: visit reason; defaults to the waitlist notes.
    """
    entry = _one(
        conn,
        "SELECT * FROM waitlist WHERE id = ?",
        (waitlist_id,),
        f"no waitlist entry with id {waitlist_id}",
    )
    if entry["status"] != "waiting":
        raise ValueError(f"waitlist entry {waitlist_id} is {entry['status']}, not waiting")
    slot = _slot(conn, slot_id)
    provider = _provider(conn, slot["provider_id"])
    if provider["specialty_id"] != entry["specialty_id"]:
        raise ValueError(f"slot {slot_id} is with a provider of another specialty than the waitlist entry")
    if entry["provider_id"] is not None and entry["provider_id"] != provider["id"]:
        raise ValueError(
            f"the patient asked for provider {entry['provider_id']}, but slot {slot_id} is not theirs"
        )
    text = (reason or entry["notes"] or "waitlist booking").strip()
    appointment_id = _book(conn, entry["patient_id"], slot_id, text)
    conn.execute(
        "UPDATE waitlist SET status = 'booked', appointment_id = ? WHERE id = ?",
        (appointment_id, waitlist_id),
    )
    view = _appointment_view(conn, appointment_id)
    view["waitlist_id"] = waitlist_id
    return view


def remove_from_waitlist(conn: sqlite3.Connection, waitlist_id: int, reason: str) -> dict:
    """Take a waiting entry off the waitlist without booking (patient found care elsewhere, no longer needed).

    Args:
        conn: database connection (supplied by the runtime).
        waitlist_id: the waitlist entry's id.
        reason: why the entry is removed; appended to its notes.
    """
    entry = _one(
        conn,
        "SELECT * FROM waitlist WHERE id = ?",
        (waitlist_id,),
        f"no waitlist entry with id {waitlist_id}",
    )
    if entry["status"] != "waiting":
        raise ValueError(f"waitlist entry {waitlist_id} is {entry['status']}, not waiting")
    if not reason.strip():
        raise ValueError("reason is required")
    notes = (entry["notes"] + " | removed: " + reason.strip()).strip(" |")
    conn.execute("UPDATE waitlist SET status = 'removed', notes = ? WHERE id = ?", (notes, waitlist_id))
    return dict(conn.execute("SELECT * FROM waitlist WHERE id = ?", (waitlist_id,)).fetchone())
