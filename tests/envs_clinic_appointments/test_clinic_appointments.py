"""Env-specific checks for the shipped `clinic_appointments` toolworld env: scheduling, insurance and billing
rules, answer phrasings, an alternative correct route and one successful call of every tool, run against
tools.py/verify.py without the runtime.

The checks every shipped env shares live in tests/envs_support/test_shipped_env_shape.py (standalone) and
tests/toolworld/test_shipped_envs.py (through the runtime: reference passes, nothing and negative fail).
"""

from __future__ import annotations

import json

from envs_support.harness import EnvHarness

ENV = EnvHarness.load("clinic_appointments")


# ----------------------------------------------------------------------------- seed and answers


def test_seed_is_dated_2025_03_10_and_at_most_1500_rows() -> None:
    conn = ENV.open()
    assert conn.execute("SELECT value FROM settings WHERE key = 'today'").fetchone()[0] == "2025-03-10"
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    assert sum(conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables) <= 1500


def test_info_answers_accept_natural_phrasings() -> None:
    db = ENV.open()
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
        assert ENV.verify(task_id, db, answer)["status"] == "pass", answer
    for task_id, answer in bad:
        assert ENV.verify(task_id, db, answer)["status"] == "fail", answer


def test_info_task_fails_when_database_was_changed() -> None:
    final = ENV.run([{"name": "pay_invoice", "arguments": {"invoice_id": 4, "amount_cents": 7500}}])
    assert ENV.verify("outstanding_balance", final, "$95.00")["status"] == "fail"


def test_alternative_correct_route_passes() -> None:
    """Cancelling (clinic-initiated) and booking the right slot is as good as rescheduling."""
    calls = [
        {"name": "update_patient_insurance", "arguments": {"patient_id": 7, "insurance_plan_id": 3,
                                                           "member_id": "UHC771204956"}},
        {"name": "cancel_appointment", "arguments": {"appointment_id": 15, "cancelled_by": "clinic",
                                                     "reason": "Out of network"}},
        {"name": "book_appointment", "arguments": {"patient_id": 7, "slot_id": 217, "reason": "Palpitations"}},
    ]  # fmt: skip
    final = ENV.run(calls)  # raises if any call is refused
    assert ENV.verify("insurance_change_rebook", final, None)["status"] == "pass"


# ----------------------------------------------------------------------------- business rules


def test_cannot_book_out_of_network_provider() -> None:
    # Maria Gonzalez is on Harbor Health HMO; Dr. Stein (slot 210) does not take it.
    ENV.assert_rejected(
        "book_appointment", {"patient_id": 1, "slot_id": 210, "reason": "Rash"}, "out of network"
    )


def test_cannot_double_book_a_slot() -> None:
    ENV.assert_rejected("book_appointment", {"patient_id": 1, "slot_id": 209, "reason": "x"}, "not open")


def test_cannot_book_patient_twice_at_the_same_time() -> None:
    # Priya Shah is booked 2025-03-11 09:00 with Dr. Brennan; Dr. Stein's slot 210 is at the same time.
    ENV.assert_rejected("book_appointment", {"patient_id": 3, "slot_id": 210, "reason": "Mole"}, "overlaps")


def test_cannot_book_in_the_past() -> None:
    db = ENV.open()
    past = db.execute(
        "SELECT id FROM slots WHERE status = 'open' AND start_time < '2025-03-10' LIMIT 1"
    ).fetchone()
    ENV.assert_rejected("book_appointment", {"patient_id": 2, "slot_id": past[0], "reason": "x"}, "past")


def test_cannot_cancel_a_completed_visit() -> None:
    ENV.assert_rejected(
        "cancel_appointment",
        {"appointment_id": 1, "cancelled_by": "patient", "reason": "x"},
        "only scheduled",
    )


def test_cannot_prescribe_a_drug_already_active() -> None:
    ENV.assert_rejected(
        "prescribe_medication",
        {"appointment_id": 5, "medication": "Lisinopril", "dosage": "10 mg daily", "quantity": 90},
        "discontinue it first",
    )


def test_cannot_void_a_paid_invoice() -> None:
    ENV.assert_rejected("void_invoice", {"invoice_id": 3, "reason": "x"}, "only open")


def test_cannot_block_a_booked_slot() -> None:
    ENV.assert_rejected("block_slot", {"slot_id": 209, "reason": "sick"}, "only open")


def test_cannot_switch_to_a_plan_the_clinic_dropped() -> None:
    ENV.assert_rejected(
        "update_patient_insurance",
        {"patient_id": 7, "insurance_plan_id": 7, "member_id": "EVG1"},
        "no longer accepts",
    )


def test_new_patients_go_to_waitlist_for_a_full_provider() -> None:
    db = ENV.open()
    slot = db.execute("SELECT id FROM slots WHERE provider_id = 9 AND status = 'open' AND start_time > "
                      "'2025-03-10T13:00' LIMIT 1").fetchone()[0]  # fmt: skip
    ENV.assert_rejected(
        "book_appointment", {"patient_id": 2, "slot_id": slot, "reason": "x"}, "not accepting"
    )


def test_cannot_reschedule_into_a_booked_slot() -> None:
    ENV.assert_rejected("reschedule_appointment", {"appointment_id": 2, "new_slot_id": 209}, "not open")


def test_patient_cancellation_outside_window_is_free() -> None:
    conn = ENV.open()
    result = ENV.call(
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


def test_every_tool_succeeds_on_valid_input_and_returns_json() -> None:
    # The first check-in must be of a scheduled appointment today: Robert Chen is already checked in in the seed.
    conn = ENV.open()
    conn.execute("UPDATE appointments SET status = 'scheduled' WHERE id = 6")
    assert {name for name, _ in SMOKE_CALLS} == set(ENV.tools)
    for name, arguments in SMOKE_CALLS:
        result = ENV.call(conn, name, arguments)
        json.dumps(result)
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
