-- Outpatient clinic: patients, providers, schedules, appointments, visits, prescriptions, billing, waitlist.
-- Dates are ISO strings ('YYYY-MM-DD', times 'YYYY-MM-DDTHH:MM'); money is integer cents.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE specialties (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE,
    is_primary_care INTEGER NOT NULL DEFAULT 0 CHECK (is_primary_care IN (0, 1)),
    description     TEXT NOT NULL DEFAULT ''
);

CREATE TABLE insurance_plans (
    id                     INTEGER PRIMARY KEY,
    name                   TEXT NOT NULL UNIQUE,
    payer                  TEXT NOT NULL,
    plan_type              TEXT NOT NULL CHECK (plan_type IN ('HMO', 'PPO', 'POS', 'EPO', 'Medicare')),
    primary_copay_cents    INTEGER NOT NULL CHECK (primary_copay_cents >= 0),
    specialist_copay_cents INTEGER NOT NULL CHECK (specialist_copay_cents >= 0),
    active                 INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
);

CREATE TABLE providers (
    id                     INTEGER PRIMARY KEY,
    first_name             TEXT NOT NULL,
    last_name              TEXT NOT NULL,
    credentials            TEXT NOT NULL CHECK (credentials IN ('MD', 'DO', 'NP', 'PA')),
    specialty_id           INTEGER NOT NULL REFERENCES specialties (id),
    email                  TEXT NOT NULL UNIQUE,
    phone                  TEXT NOT NULL,
    accepting_new_patients INTEGER NOT NULL DEFAULT 1 CHECK (accepting_new_patients IN (0, 1)),
    active                 INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
);

-- Which insurance plans a provider is in network with.
CREATE TABLE provider_insurance (
    provider_id INTEGER NOT NULL REFERENCES providers (id),
    plan_id     INTEGER NOT NULL REFERENCES insurance_plans (id),
    PRIMARY KEY (provider_id, plan_id)
);

CREATE TABLE rooms (
    id        INTEGER PRIMARY KEY,
    name      TEXT NOT NULL UNIQUE,
    floor     INTEGER NOT NULL CHECK (floor BETWEEN 1 AND 5),
    room_type TEXT NOT NULL CHECK (room_type IN ('exam', 'procedure', 'consult'))
);

CREATE TABLE patients (
    id                INTEGER PRIMARY KEY,
    first_name        TEXT NOT NULL,
    last_name         TEXT NOT NULL,
    date_of_birth     TEXT NOT NULL,
    sex               TEXT NOT NULL CHECK (sex IN ('F', 'M', 'X')),
    phone             TEXT NOT NULL,
    email             TEXT,
    address           TEXT NOT NULL,
    city              TEXT NOT NULL,
    state             TEXT NOT NULL,
    zip               TEXT NOT NULL,
    insurance_plan_id INTEGER REFERENCES insurance_plans (id),  -- NULL = self-pay
    member_id         TEXT,
    status            TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive')),
    created_on        TEXT NOT NULL,
    CHECK ((insurance_plan_id IS NULL) = (member_id IS NULL))
);

-- A provider's bookable time, in one room.
CREATE TABLE slots (
    id           INTEGER PRIMARY KEY,
    provider_id  INTEGER NOT NULL REFERENCES providers (id),
    room_id      INTEGER NOT NULL REFERENCES rooms (id),
    start_time   TEXT NOT NULL,
    end_time     TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'booked', 'blocked')),
    block_reason TEXT,
    UNIQUE (provider_id, start_time),
    CHECK (end_time > start_time)
);

CREATE TABLE appointments (
    id               INTEGER PRIMARY KEY,
    patient_id       INTEGER NOT NULL REFERENCES patients (id),
    slot_id          INTEGER NOT NULL REFERENCES slots (id),
    reason           TEXT NOT NULL,
    status           TEXT NOT NULL DEFAULT 'scheduled'
                     CHECK (status IN ('scheduled', 'checked_in', 'completed', 'cancelled', 'no_show')),
    booked_on        TEXT NOT NULL,
    cancelled_by     TEXT CHECK (cancelled_by IN ('patient', 'clinic')),
    cancel_reason    TEXT,
    reschedule_count INTEGER NOT NULL DEFAULT 0 CHECK (reschedule_count >= 0),
    CHECK ((status = 'cancelled') = (cancelled_by IS NOT NULL))
);

-- A slot holds at most one appointment that is not cancelled.
CREATE UNIQUE INDEX appointments_one_live_per_slot ON appointments (slot_id) WHERE status <> 'cancelled';

CREATE TABLE visit_notes (
    id             INTEGER PRIMARY KEY,
    appointment_id INTEGER NOT NULL UNIQUE REFERENCES appointments (id),
    diagnosis_code TEXT NOT NULL,
    summary        TEXT NOT NULL,
    created_at     TEXT NOT NULL
);

CREATE TABLE prescriptions (
    id                 INTEGER PRIMARY KEY,
    patient_id         INTEGER NOT NULL REFERENCES patients (id),
    provider_id        INTEGER NOT NULL REFERENCES providers (id),
    appointment_id     INTEGER REFERENCES appointments (id),
    medication         TEXT NOT NULL,
    dosage             TEXT NOT NULL,
    quantity           INTEGER NOT NULL CHECK (quantity > 0),
    refills            INTEGER NOT NULL CHECK (refills BETWEEN 0 AND 11),
    status             TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'discontinued')),
    prescribed_on      TEXT NOT NULL,
    discontinued_on    TEXT,
    discontinue_reason TEXT
);

CREATE TABLE invoices (
    id             INTEGER PRIMARY KEY,
    patient_id     INTEGER NOT NULL REFERENCES patients (id),
    appointment_id INTEGER REFERENCES appointments (id),
    kind           TEXT NOT NULL CHECK (kind IN ('copay', 'self_pay', 'late_cancel', 'no_show')),
    amount_cents   INTEGER NOT NULL CHECK (amount_cents > 0),
    status         TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'paid', 'void')),
    issued_on      TEXT NOT NULL,
    paid_on        TEXT,
    void_reason    TEXT,
    CHECK ((status = 'paid') = (paid_on IS NOT NULL))
);

CREATE TABLE waitlist (
    id             INTEGER PRIMARY KEY,
    patient_id     INTEGER NOT NULL REFERENCES patients (id),
    specialty_id   INTEGER NOT NULL REFERENCES specialties (id),
    provider_id    INTEGER REFERENCES providers (id),  -- NULL = any provider of the specialty
    priority       INTEGER NOT NULL CHECK (priority BETWEEN 1 AND 3),  -- 1 = urgent, 3 = routine
    requested_on   TEXT NOT NULL,
    notes          TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting', 'booked', 'removed')),
    appointment_id INTEGER REFERENCES appointments (id)
);
