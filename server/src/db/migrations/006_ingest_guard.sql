-- The ingest files an instance with one statement (patient, study, series, instance and their counts): that keeps
-- the study row locked for one statement instead of a whole transaction, so that the instances of one study are
-- not serialised behind each other's round trips. When the instance must not be filed (its study belongs to
-- another site, its series to another study, or it is already stored) the statement calls this guard, whose
-- error undoes everything the statement did. SQLSTATE P0D01 and the reason as the message, never a value.
CREATE FUNCTION dicom_ingest_guard(failure text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
  IF failure IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'P0D01', MESSAGE = failure;
  END IF;
  RETURN true;
END
$$;
