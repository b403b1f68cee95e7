-- Thrombolysis orders of a stroke case (issue #7): prepared with the dose the server computed and the checks before
-- the bolus, confirmed by a second person, then given (which writes the case's 'needle' event in the same
-- transaction). Units are in the column names. Doses and volumes are those shown to the team, rounded as the dose
-- snapshot says (shared/src/thrombolysis.ts; sources in docs/clinical.md).

CREATE TABLE thrombolysis_orders (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  seq                 bigint GENERATED ALWAYS AS IDENTITY,
  case_id             uuid NOT NULL REFERENCES stroke_cases (id),
  drug                text NOT NULL CHECK (drug IN ('alteplase', 'tenecteplase')),
  weight_kg           double precision NOT NULL CHECK (weight_kg BETWEEN 30 AND 250),
  weight_source       text NOT NULL CHECK (weight_source IN ('measured', 'estimated')),
  total_mg            numeric(6, 1) NOT NULL CHECK (total_mg > 0 AND total_mg <= 90),
  bolus_mg            numeric(6, 1) NOT NULL CHECK (bolus_mg > 0),
  infusion_mg         numeric(6, 1) NOT NULL CHECK (infusion_mg >= 0),
  infusion_minutes    integer NOT NULL CHECK (infusion_minutes >= 0),
  volume_ml           numeric(6, 1) NOT NULL CHECK (volume_ml > 0),
  -- The whole DoseResult as computed and shown (rounding rule, concentration, cap), so that a later change of the
  -- calculator never rewrites what was prepared.
  dose                jsonb NOT NULL,
  -- {"anticoagulant": "absent", ...}: every contraindication item answered.
  checklist           jsonb NOT NULL,
  systolic_mmhg       integer NOT NULL CHECK (systolic_mmhg < 185),
  diastolic_mmhg      integer NOT NULL CHECK (diastolic_mmhg < 110),
  glucose_mmol_per_l  numeric(4, 1) NOT NULL CHECK (glucose_mmol_per_l > 0),
  prepared_by         uuid NOT NULL REFERENCES users (id),
  prepared_at         timestamptz NOT NULL DEFAULT now(),
  -- The second check: always another person.
  confirmed_by        uuid REFERENCES users (id),
  confirmed_at        timestamptz,
  bolus_by            uuid REFERENCES users (id),
  bolus_at            timestamptz,
  bolus_entered_at    timestamptz,
  CHECK (bolus_mg + infusion_mg = total_mg),
  CHECK ((confirmed_by IS NULL) = (confirmed_at IS NULL)),
  CHECK (confirmed_by IS NULL OR confirmed_by <> prepared_by),
  CHECK ((bolus_by IS NULL) = (bolus_at IS NULL) AND (bolus_at IS NULL) = (bolus_entered_at IS NULL)),
  CHECK (bolus_at IS NULL OR confirmed_at IS NOT NULL)
);
CREATE INDEX thrombolysis_orders_case_idx ON thrombolysis_orders (case_id, seq);
-- One bolus per case: a second order may be prepared (a corrected weight) but only one is given.
CREATE UNIQUE INDEX thrombolysis_orders_one_bolus ON thrombolysis_orders (case_id) WHERE bolus_at IS NOT NULL;

-- What was prepared never changes; the second check and the bolus are each written once.
CREATE FUNCTION thrombolysis_orders_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'thrombolysis orders are never deleted' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF (NEW.case_id, NEW.drug, NEW.weight_kg, NEW.weight_source, NEW.total_mg, NEW.bolus_mg, NEW.infusion_mg,
      NEW.infusion_minutes, NEW.volume_ml, NEW.dose, NEW.checklist, NEW.systolic_mmhg, NEW.diastolic_mmhg,
      NEW.glucose_mmol_per_l, NEW.prepared_by, NEW.prepared_at)
     IS DISTINCT FROM
     (OLD.case_id, OLD.drug, OLD.weight_kg, OLD.weight_source, OLD.total_mg, OLD.bolus_mg, OLD.infusion_mg,
      OLD.infusion_minutes, OLD.volume_ml, OLD.dose, OLD.checklist, OLD.systolic_mmhg, OLD.diastolic_mmhg,
      OLD.glucose_mmol_per_l, OLD.prepared_by, OLD.prepared_at)
     OR (OLD.confirmed_at IS NOT NULL AND (NEW.confirmed_by, NEW.confirmed_at) IS DISTINCT FROM (OLD.confirmed_by, OLD.confirmed_at))
     OR (OLD.bolus_at IS NOT NULL AND (NEW.bolus_by, NEW.bolus_at, NEW.bolus_entered_at)
                                      IS DISTINCT FROM (OLD.bolus_by, OLD.bolus_at, OLD.bolus_entered_at)) THEN
    RAISE EXCEPTION 'a prepared thrombolysis order only gets its second check and its bolus, once each'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER thrombolysis_orders_guard BEFORE UPDATE OR DELETE ON thrombolysis_orders
  FOR EACH ROW EXECUTE FUNCTION thrombolysis_orders_guard();
