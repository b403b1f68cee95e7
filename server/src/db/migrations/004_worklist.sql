-- The urgent-read worklist: one read request per study a remote site sends, and its structured stroke report.
--
-- States: arriving (first image stored) -> ready (the study went quiet) -> claimed (one reader) -> reported (report
-- signed). A claim may be taken while images still arrive: ready_at records completion whatever the state.

CREATE TABLE read_requests (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- One request per study, whichever of the arrival event and the timer's catch-up creates it first.
  study_id         uuid NOT NULL UNIQUE REFERENCES dicom_studies (id),
  -- The sending remote site and its hub, copied at creation like a consult's.
  site_id          uuid NOT NULL REFERENCES sites (id),
  hub_id           uuid NOT NULL REFERENCES sites (id),
  status           text NOT NULL DEFAULT 'arriving' CHECK (status IN ('arriving', 'ready', 'claimed', 'reported')),
  priority         text NOT NULL DEFAULT 'P1' CHECK (priority IN ('P1', 'P2', 'P3')),
  -- The open consult of the same patient the study was attached to.
  consult_id       uuid REFERENCES consults (id),
  created_at       timestamptz NOT NULL DEFAULT now(),
  first_image_at   timestamptz NOT NULL,
  sla_due_at       timestamptz NOT NULL,
  ready_at         timestamptz,
  escalated_at     timestamptz,
  sla_breached_at  timestamptz,
  claimed_by       uuid REFERENCES users (id),
  claimed_at       timestamptz,
  reported_at      timestamptz,
  -- A claimed or reported request has exactly one reader, an open one none: with the claim's conditional UPDATE
  -- (WHERE claimed_by IS NULL), this is what makes one claim of a race win.
  CHECK ((status IN ('claimed', 'reported')) = (claimed_by IS NOT NULL)),
  CHECK ((claimed_by IS NULL) = (claimed_at IS NULL)),
  CHECK ((status = 'reported') = (reported_at IS NOT NULL)),
  CHECK (status <> 'ready' OR ready_at IS NOT NULL),
  CHECK (sla_due_at > first_image_at),
  CHECK (site_id <> hub_id)
);
CREATE INDEX read_requests_site_idx ON read_requests (site_id, status);
CREATE INDEX read_requests_hub_open_idx ON read_requests (hub_id, first_image_at) WHERE status <> 'reported';
CREATE INDEX read_requests_claimed_by_idx ON read_requests (claimed_by);
CREATE INDEX read_requests_consult_idx ON read_requests (consult_id);
-- The timer's catch-up looks for recent studies without a request every few seconds.
CREATE INDEX dicom_studies_received_idx ON dicom_studies (first_received_at);

-- A reported request is final: its reader, state and report time never change.
CREATE FUNCTION read_requests_keep_reported() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status = 'reported' AND (NEW.status IS DISTINCT FROM OLD.status OR NEW.claimed_by IS DISTINCT FROM OLD.claimed_by
      OR NEW.reported_at IS DISTINCT FROM OLD.reported_at OR NEW.study_id IS DISTINCT FROM OLD.study_id) THEN
    RAISE EXCEPTION 'read request % is reported: it cannot change', OLD.id USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER read_requests_reported_final BEFORE UPDATE ON read_requests
  FOR EACH ROW EXECUTE FUNCTION read_requests_keep_reported();

-- The report of a request: a draft the reader may save and replace, until it is signed. A signed row is immutable
-- (trigger below); corrections are addenda.
CREATE TABLE read_reports (
  request_id     uuid PRIMARY KEY REFERENCES read_requests (id),
  -- Who last saved the draft, or signed it.
  author_id      uuid NOT NULL REFERENCES users (id),
  -- The findings (shared StrokeFindings, or a partial one for a draft), as JSON.
  findings       jsonb NOT NULL,
  aspects_score  integer NOT NULL CHECK (aspects_score BETWEEN 0 AND 10),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  signed_by      uuid REFERENCES users (id),
  signed_at      timestamptz,
  CHECK ((signed_by IS NULL) = (signed_at IS NULL)),
  CHECK (signed_by IS NULL OR signed_by = author_id)
);

CREATE FUNCTION read_reports_refuse_signed_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.signed_at IS NOT NULL THEN
    RAISE EXCEPTION 'report of read request % is signed: it cannot change; add an addendum', OLD.request_id
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER read_reports_signed_immutable BEFORE UPDATE OR DELETE ON read_reports
  FOR EACH ROW EXECUTE FUNCTION read_reports_refuse_signed_change();

CREATE FUNCTION read_reports_refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% cannot be truncated: signed reports and addenda are kept', TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER read_reports_no_truncate BEFORE TRUNCATE ON read_reports
  FOR EACH STATEMENT EXECUTE FUNCTION read_reports_refuse_truncate();

-- Corrections of a signed report: append-only, each signed by its author.
CREATE TABLE read_report_addenda (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  seq         bigint GENERATED ALWAYS AS IDENTITY,
  request_id  uuid NOT NULL REFERENCES read_reports (request_id),
  text        text NOT NULL CHECK (length(text) BETWEEN 1 AND 2000),
  signed_by   uuid NOT NULL REFERENCES users (id),
  signed_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX read_report_addenda_request_idx ON read_report_addenda (request_id, seq);

CREATE FUNCTION read_report_addenda_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    RAISE EXCEPTION 'report addenda are append-only' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM read_reports WHERE request_id = NEW.request_id AND signed_at IS NOT NULL) THEN
    RAISE EXCEPTION 'an addendum needs a signed report' USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER read_report_addenda_append_only BEFORE INSERT OR UPDATE OR DELETE ON read_report_addenda
  FOR EACH ROW EXECUTE FUNCTION read_report_addenda_check();
CREATE TRIGGER read_report_addenda_no_truncate BEFORE TRUNCATE ON read_report_addenda
  FOR EACH STATEMENT EXECUTE FUNCTION read_reports_refuse_truncate();
