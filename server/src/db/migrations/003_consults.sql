-- Video consults between a remote site's ward doctor and a hub neurologist, and their chat.
--
-- States: requested -> accepted -> in_call -> ended, or requested -> cancelled. The participants are the requesting
-- ward doctor and the accepting neurologist (requested_by, accepted_by); nobody else joins the room or reads the chat.

CREATE TABLE consults (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind                text NOT NULL DEFAULT 'urgent' CHECK (kind IN ('urgent', 'scheduled')),
  status              text NOT NULL DEFAULT 'requested'
                        CHECK (status IN ('requested', 'accepted', 'in_call', 'ended', 'cancelled')),
  -- The remote site the patient is at, and the hub it refers to (copied at creation: a later change of the
  -- site's hub does not move a consult to another hub's neurologists).
  site_id             uuid NOT NULL REFERENCES sites (id),
  hub_id              uuid NOT NULL REFERENCES sites (id),
  -- The remote site's own patient reference (never a name), and what the neurologist needs first.
  patient_ref         text NOT NULL CHECK (length(patient_ref) BETWEEN 1 AND 64),
  age_years           integer NOT NULL CHECK (age_years BETWEEN 0 AND 120),
  sex                 text NOT NULL CHECK (sex IN ('F', 'M', 'X')),
  weight_kg           double precision NOT NULL CHECK (weight_kg BETWEEN 2 AND 350),
  last_known_well_at  timestamptz NOT NULL,
  reason              text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
  study_instance_uid  text CHECK (length(study_instance_uid) <= 64),
  requested_by        uuid NOT NULL REFERENCES users (id),
  accepted_by         uuid REFERENCES users (id),
  ended_by            uuid REFERENCES users (id),
  requested_at        timestamptz NOT NULL DEFAULT now(),
  accepted_at         timestamptz,
  -- The first join (token issued) of each participant; joined_at is when both had joined, and the call began.
  requester_joined_at timestamptz,
  accepter_joined_at  timestamptz,
  joined_at           timestamptz,
  -- When the consult ended, or was cancelled.
  ended_at            timestamptz,
  outcome             text CHECK (outcome IN ('thrombolysis', 'thrombectomy_transfer', 'thrombolysis_and_transfer',
                                              'no_reperfusion_therapy', 'not_stroke', 'other')),
  note                text CHECK (length(note) <= 2000),
  -- Booked start of a scheduled consult; the scheduling issue (#6) fills it.
  scheduled_start     timestamptz,
  CHECK ((status = 'requested' OR status = 'cancelled') = (accepted_by IS NULL)),
  CHECK ((accepted_by IS NULL) = (accepted_at IS NULL)),
  CHECK ((status = 'in_call' OR status = 'ended') OR joined_at IS NULL),
  CHECK (status <> 'in_call' OR joined_at IS NOT NULL),
  CHECK ((status IN ('ended', 'cancelled')) = (ended_at IS NOT NULL)),
  CHECK ((status = 'ended') = (outcome IS NOT NULL)),
  CHECK (site_id <> hub_id)
);
CREATE INDEX consults_site_idx ON consults (site_id, requested_at DESC);
CREATE INDEX consults_hub_status_idx ON consults (hub_id, status);
CREATE INDEX consults_requested_by_idx ON consults (requested_by);
CREATE INDEX consults_accepted_by_idx ON consults (accepted_by);

-- The consult's chat, persisted with it. seq orders messages sent in the same instant.
CREATE TABLE consult_messages (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  seq         bigint GENERATED ALWAYS AS IDENTITY,
  consult_id  uuid NOT NULL REFERENCES consults (id),
  author_id   uuid NOT NULL REFERENCES users (id),
  text        text NOT NULL CHECK (length(text) BETWEEN 1 AND 2000),
  sent_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX consult_messages_consult_idx ON consult_messages (consult_id, seq);
