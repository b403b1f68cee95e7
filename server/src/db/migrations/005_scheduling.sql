-- Planned teleconsultations (bookings), the specialists' availability, the on-call rota and the iCalendar feeds.
-- Instants are timestamptz (UTC); weekly slots are Europe/Paris wall-clock minutes, so that 09:00 stays 09:00
-- across the DST changes. The database, not the service, guarantees that nobody is booked or on call twice.

-- Weekly recurring availability of a specialist: ISO weekday (1 = Monday) and minutes since local midnight.
CREATE TABLE availability_slots (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  specialist_id uuid NOT NULL REFERENCES users (id),
  weekday       smallint NOT NULL CHECK (weekday BETWEEN 1 AND 7),
  start_minute  integer NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
  end_minute    integer NOT NULL CHECK (end_minute BETWEEN 1 AND 1440),
  created_by    uuid NOT NULL REFERENCES users (id),
  created_at    timestamptz NOT NULL DEFAULT now(),
  CHECK (end_minute > start_minute),
  CONSTRAINT availability_slots_no_overlap
    EXCLUDE USING gist (specialist_id WITH =, weekday WITH =, int4range(start_minute, end_minute) WITH &&)
);

-- Leave (not bookable, whatever the weekly slots say) and extra slots (bookable beyond them).
CREATE TABLE availability_exceptions (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  specialist_id uuid NOT NULL REFERENCES users (id),
  kind          text NOT NULL CHECK (kind IN ('leave', 'extra')),
  during        tstzrange NOT NULL CHECK (NOT isempty(during) AND lower_inc(during) AND NOT upper_inc(during)),
  note          text CHECK (length(note) <= 200),
  created_by    uuid NOT NULL REFERENCES users (id),
  created_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT availability_exceptions_no_overlap
    EXCLUDE USING gist (specialist_id WITH =, kind WITH =, during WITH &&)
);

CREATE TABLE bookings (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  specialist_id uuid NOT NULL REFERENCES users (id),
  -- The requesting remote site, and its ward doctor when the booking names one.
  site_id       uuid NOT NULL REFERENCES sites (id),
  requester_id  uuid REFERENCES users (id),
  -- The site's own patient reference, never a name.
  patient_ref   text NOT NULL CHECK (length(patient_ref) BETWEEN 1 AND 64),
  reason        text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
  during        tstzrange NOT NULL CHECK (NOT isempty(during) AND lower_inc(during) AND NOT upper_inc(during)),
  status        text NOT NULL DEFAULT 'booked' CHECK (status IN ('booked', 'cancelled', 'no_show')),
  cancel_reason text CHECK (length(cancel_reason) BETWEEN 1 AND 500),
  cancelled_by  uuid REFERENCES users (id),
  cancelled_at  timestamptz,
  no_show_at    timestamptz,
  -- Set once the in-app reminder went out: each booking is reminded once, whichever server node sends it.
  reminded_at   timestamptz,
  created_by    uuid NOT NULL REFERENCES users (id),
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL)),
  CHECK ((status = 'cancelled') = (cancel_reason IS NOT NULL)),
  CHECK ((status = 'no_show') = (no_show_at IS NOT NULL)),
  -- A specialist is never booked twice. A cancelled booking frees its time; a no-show still took it.
  CONSTRAINT bookings_no_double_booking
    EXCLUDE USING gist (specialist_id WITH =, during WITH &&) WHERE (status <> 'cancelled')
);
CREATE INDEX bookings_site_idx ON bookings USING gist (site_id, during);
CREATE INDEX bookings_requester_idx ON bookings (requester_id);
CREATE INDEX bookings_reminder_idx ON bookings (lower(during)) WHERE status = 'booked' AND reminded_at IS NULL;

-- On-call shifts of a hub, per duty: one shift at a time, with a primary and an optional backup.
CREATE TABLE rota_shifts (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  hub_id      uuid NOT NULL REFERENCES sites (id),
  duty        text NOT NULL CHECK (duty IN ('urgent_consult', 'urgent_read')),
  during      tstzrange NOT NULL CHECK (NOT isempty(during) AND lower_inc(during) AND NOT upper_inc(during)),
  primary_id  uuid NOT NULL REFERENCES users (id),
  backup_id   uuid REFERENCES users (id),
  created_by  uuid NOT NULL REFERENCES users (id),
  created_at  timestamptz NOT NULL DEFAULT now(),
  CHECK (backup_id IS NULL OR backup_id <> primary_id),
  CONSTRAINT rota_shifts_no_overlap EXCLUDE USING gist (hub_id WITH =, duty WITH =, during WITH &&)
);

-- A user's iCalendar feed: the URL's secret is stored as a SHA-256 only, and revoked rather than deleted.
CREATE TABLE ics_feeds (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  secret_hash text NOT NULL UNIQUE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz
);
CREATE UNIQUE INDEX ics_feeds_one_active ON ics_feeds (user_id) WHERE revoked_at IS NULL;
