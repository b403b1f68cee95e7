-- The stroke case record (issue #7): one per urgent consult, with its timeline, NIHSS series, decisions, transfer to
-- the CHU and message thread. Timeline entries, NIHSS changes, decisions and messages are append-only: a correction
-- is a later row, so who entered what and when is never lost.

CREATE TABLE stroke_cases (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  consult_id  uuid NOT NULL UNIQUE REFERENCES consults (id),
  -- Copied from the consult: the remote site the patient is at and its hub (the CHU a transfer goes to).
  site_id     uuid NOT NULL REFERENCES sites (id),
  hub_id      uuid NOT NULL REFERENCES sites (id),
  -- The remote site's local reference (never a name), and the INS (NIR + key, 15 characters) where known.
  patient_ref text NOT NULL CHECK (length(patient_ref) BETWEEN 1 AND 64),
  ins         text CHECK (ins ~ '^[12378][0-9]{5}[0-9AB][0-9]{8}$'),
  created_at  timestamptz NOT NULL DEFAULT now(),
  CHECK (site_id <> hub_id)
);
CREATE INDEX stroke_cases_site_idx ON stroke_cases (site_id, created_at DESC);
CREATE INDEX stroke_cases_hub_idx ON stroke_cases (hub_id, created_at DESC);

CREATE FUNCTION cases_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: enter a correction instead', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END;
$$;

-- Timestamps entered on the case (and the 'needle' of a confirmed bolus, the 'decision'). Several rows of one kind:
-- the latest (seq) is the effective one, the earlier ones stay as its history.
CREATE TABLE case_events (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  seq         bigint GENERATED ALWAYS AS IDENTITY,
  case_id     uuid NOT NULL REFERENCES stroke_cases (id),
  kind        text NOT NULL CHECK (kind IN ('lkw', 'door', 'ct_start', 'images_received', 'consult_requested',
                                            'consult_accepted', 'consult_started', 'read_signed', 'decision', 'needle',
                                            'transfer_departed', 'groin_puncture')),
  at          timestamptz NOT NULL,
  -- Only an unwitnessed onset is estimated.
  estimated   boolean NOT NULL DEFAULT false CHECK (NOT estimated OR kind = 'lkw'),
  entered_by  uuid NOT NULL REFERENCES users (id),
  entered_at  timestamptz NOT NULL DEFAULT now(),
  note        text CHECK (length(note) <= 500)
);
CREATE INDEX case_events_case_idx ON case_events (case_id, kind, seq);
CREATE TRIGGER case_events_append_only BEFORE UPDATE OR DELETE ON case_events
  FOR EACH ROW EXECUTE FUNCTION cases_refuse_change();

-- The studies of a case: those the worklist attached to its consult, and the one named when the consult was requested.
CREATE VIEW case_studies AS
  SELECT sc.id AS case_id, r.study_id
    FROM stroke_cases sc JOIN read_requests r ON r.consult_id = sc.consult_id
  UNION
  SELECT sc.id AS case_id, ds.id AS study_id
    FROM stroke_cases sc
    JOIN consults c ON c.id = sc.consult_id
    JOIN dicom_studies ds ON ds.study_uid = c.study_instance_uid AND ds.site_id = sc.site_id;

-- The effective timestamp of each kind of each case, stored or derived from the linked records; an entered one beats
-- the derived one (e.g. the consult's last-known-well is the initial 'lkw' until someone corrects it). Metrics read
-- this view: (case_id, site_id, hub_id, kind, at, estimated); the other columns say where it comes from.
CREATE VIEW case_timeline AS
  WITH entered AS (
    SELECT DISTINCT ON (e.case_id, e.kind)
           e.case_id, e.kind, e.at, e.estimated, 'entered'::text AS source, e.entered_by, e.entered_at, e.note,
           (count(*) OVER (PARTITION BY e.case_id, e.kind) - 1)::integer AS corrects
      FROM case_events e
     ORDER BY e.case_id, e.kind, e.seq DESC
  ),
  derived AS (
    SELECT sc.id AS case_id, 'lkw'::text AS kind, c.last_known_well_at AS at, false AS estimated,
           'consult'::text AS source, c.requested_by AS entered_by, c.requested_at AS entered_at
      FROM stroke_cases sc JOIN consults c ON c.id = sc.consult_id
    UNION ALL
    SELECT sc.id, 'consult_requested', c.requested_at, false, 'consult', c.requested_by, c.requested_at
      FROM stroke_cases sc JOIN consults c ON c.id = sc.consult_id
    UNION ALL
    SELECT sc.id, 'consult_accepted', c.accepted_at, false, 'consult', c.accepted_by, c.accepted_at
      FROM stroke_cases sc JOIN consults c ON c.id = sc.consult_id WHERE c.accepted_at IS NOT NULL
    UNION ALL
    SELECT sc.id, 'consult_started', c.joined_at, false, 'consult', NULL::uuid, c.joined_at
      FROM stroke_cases sc JOIN consults c ON c.id = sc.consult_id WHERE c.joined_at IS NOT NULL
    UNION ALL
    SELECT cs.case_id, 'images_received', min(ds.first_received_at), false, 'imaging', NULL::uuid, NULL::timestamptz
      FROM case_studies cs JOIN dicom_studies ds ON ds.id = cs.study_id
     GROUP BY cs.case_id
    UNION ALL
    SELECT * FROM (
      SELECT DISTINCT ON (cs.case_id) cs.case_id, 'read_signed', rp.signed_at, false, 'report', rp.signed_by,
             rp.signed_at
        FROM case_studies cs
        JOIN read_requests r ON r.study_id = cs.study_id
        JOIN read_reports rp ON rp.request_id = r.id AND rp.signed_at IS NOT NULL
       ORDER BY cs.case_id, rp.signed_at
    ) first_signed
  ),
  effective AS (
    SELECT case_id, kind, at, estimated, source, entered_by, entered_at, note, corrects FROM entered
    UNION ALL
    SELECT d.case_id, d.kind, d.at, d.estimated, d.source, d.entered_by, d.entered_at, NULL::text, 0
      FROM derived d
     WHERE NOT EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = d.case_id AND e.kind = d.kind)
  )
  SELECT ef.case_id, sc.site_id, sc.hub_id, ef.kind, ef.at, ef.estimated, ef.source, ef.entered_by, ef.entered_at,
         ef.note, ef.corrects
    FROM effective ef JOIN stroke_cases sc ON sc.id = ef.case_id;

-- The NIHSS series of a case (e.g. "à l'arrivée", "avant bolus", "H24"). items/total hold the current answers, kept
-- in the same transaction as each change; nihss_item_changes is the time-stamped history.
CREATE TABLE nihss_assessments (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  seq         bigint GENERATED ALWAYS AS IDENTITY,
  case_id     uuid NOT NULL REFERENCES stroke_cases (id),
  label       text NOT NULL CHECK (length(label) BETWEEN 1 AND 80),
  started_by  uuid NOT NULL REFERENCES users (id),
  started_at  timestamptz NOT NULL DEFAULT now(),
  -- {"1a": 0, "5a": "untestable", ...}: the current answer of each answered item.
  items       jsonb NOT NULL DEFAULT '{}'::jsonb,
  total       integer NOT NULL DEFAULT 0 CHECK (total BETWEEN 0 AND 42)
);
CREATE INDEX nihss_assessments_case_idx ON nihss_assessments (case_id, seq);

CREATE TABLE nihss_item_changes (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  seq            bigint GENERATED ALWAYS AS IDENTITY,
  assessment_id  uuid NOT NULL REFERENCES nihss_assessments (id),
  item           text NOT NULL CHECK (item IN ('1a', '1b', '1c', '2', '3', '4', '5a', '5b', '6a', '6b', '7', '8', '9',
                                               '10', '11')),
  -- The score, 'untestable', or NULL when the answer was cleared.
  value          text CHECK (value IN ('0', '1', '2', '3', '4', 'untestable')),
  changed_by     uuid NOT NULL REFERENCES users (id),
  changed_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX nihss_item_changes_assessment_idx ON nihss_item_changes (assessment_id, seq);
CREATE TRIGGER nihss_item_changes_append_only BEFORE UPDATE OR DELETE ON nihss_item_changes
  FOR EACH ROW EXECUTE FUNCTION cases_refuse_change();

-- Decisions: the latest is the case's decision, the earlier ones stay.
CREATE TABLE case_decisions (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  seq         bigint GENERATED ALWAYS AS IDENTITY,
  case_id     uuid NOT NULL REFERENCES stroke_cases (id),
  decision    text NOT NULL CHECK (decision IN ('thrombolysis', 'thrombectomy_transfer', 'thrombolysis_and_transfer',
                                                'neither')),
  note        text CHECK (length(note) <= 2000),
  decided_by  uuid NOT NULL REFERENCES users (id),
  decided_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX case_decisions_case_idx ON case_decisions (case_id, seq);
CREATE TRIGGER case_decisions_append_only BEFORE UPDATE OR DELETE ON case_decisions
  FOR EACH ROW EXECUTE FUNCTION cases_refuse_change();

-- A thrombectomy transfer to the CHU: one per case. record is the case record (CaseRecordDto) as sent, so the CHU
-- gets exactly what the sending team saw when it asked.
CREATE TABLE case_transfers (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  case_id          uuid NOT NULL UNIQUE REFERENCES stroke_cases (id),
  to_site_id       uuid NOT NULL REFERENCES sites (id),
  note             text CHECK (length(note) <= 2000),
  record           jsonb NOT NULL,
  requested_by     uuid NOT NULL REFERENCES users (id),
  requested_at     timestamptz NOT NULL DEFAULT now(),
  acknowledged_by  uuid REFERENCES users (id),
  acknowledged_at  timestamptz,
  CHECK ((acknowledged_by IS NULL) = (acknowledged_at IS NULL))
);

-- The case's message thread between the sites involved: its participants only read it.
CREATE TABLE case_messages (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  seq        bigint GENERATED ALWAYS AS IDENTITY,
  case_id    uuid NOT NULL REFERENCES stroke_cases (id),
  author_id  uuid NOT NULL REFERENCES users (id),
  text       text NOT NULL CHECK (length(text) BETWEEN 1 AND 2000),
  sent_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX case_messages_case_idx ON case_messages (case_id, seq);
CREATE TRIGGER case_messages_append_only BEFORE UPDATE OR DELETE ON case_messages
  FOR EACH ROW EXECUTE FUNCTION cases_refuse_change();

-- Every urgent consult is a case: those already there, and each new one in the transaction that requests it (so no
-- code path creating a consult can forget it).
INSERT INTO stroke_cases (consult_id, site_id, hub_id, patient_ref, created_at)
  SELECT id, site_id, hub_id, patient_ref, requested_at FROM consults WHERE kind = 'urgent';

CREATE FUNCTION consults_open_case() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO stroke_cases (consult_id, site_id, hub_id, patient_ref, created_at)
    VALUES (NEW.id, NEW.site_id, NEW.hub_id, NEW.patient_ref, NEW.requested_at)
    ON CONFLICT (consult_id) DO NOTHING;
  RETURN NULL;
END;
$$;
CREATE TRIGGER consults_open_case AFTER INSERT ON consults
  FOR EACH ROW WHEN (NEW.kind = 'urgent') EXECUTE FUNCTION consults_open_case();
