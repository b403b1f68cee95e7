-- Imaging: the patient / study / series / instance tree of the DICOM files kept under DATA_DIR/dicom.

-- A patient as one site identifies them. The same person at two sites is two rows: sites do not share
-- a patient index (the INS comes with the stroke case record).
CREATE TABLE dicom_patients (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  site_id       uuid NOT NULL REFERENCES sites (id),
  patient_id    text NOT NULL,
  patient_name  text,
  birth_date    text,
  sex           text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (site_id, patient_id)
);

CREATE TABLE dicom_studies (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  study_uid          text NOT NULL UNIQUE,
  site_id            uuid NOT NULL REFERENCES sites (id),
  patient_ref        uuid NOT NULL REFERENCES dicom_patients (id),
  study_date         text,
  study_time         text,
  accession_number   text,
  study_id           text,
  description        text,
  referring_physician text,
  modalities         text[] NOT NULL DEFAULT '{}',
  num_series         integer NOT NULL DEFAULT 0,
  num_instances      integer NOT NULL DEFAULT 0,
  first_received_at  timestamptz NOT NULL DEFAULT now(),
  last_received_at   timestamptz NOT NULL DEFAULT now(),
  -- Attributes of the study level for QIDO, as DICOM JSON.
  attributes         jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX dicom_studies_site_idx ON dicom_studies (site_id, first_received_at DESC);
CREATE INDEX dicom_studies_date_idx ON dicom_studies (study_date);
CREATE INDEX dicom_studies_accession_idx ON dicom_studies (accession_number);
CREATE INDEX dicom_studies_patient_idx ON dicom_studies (patient_ref);
CREATE INDEX dicom_studies_modalities_idx ON dicom_studies USING gin (modalities);

CREATE TABLE dicom_series (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  series_uid      text NOT NULL UNIQUE,
  study_ref       uuid NOT NULL REFERENCES dicom_studies (id),
  modality        text,
  series_number   integer,
  description     text,
  body_part       text,
  num_instances   integer NOT NULL DEFAULT 0,
  attributes      jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX dicom_series_study_idx ON dicom_series (study_ref);

CREATE TABLE dicom_instances (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  sop_instance_uid    text NOT NULL UNIQUE,
  sop_class_uid       text NOT NULL,
  series_ref          uuid NOT NULL REFERENCES dicom_series (id),
  instance_number     integer,
  transfer_syntax_uid text NOT NULL,
  rows                integer,
  columns             integer,
  number_of_frames    integer,
  size_bytes          bigint NOT NULL,
  -- SHA-256 of the data set without its file meta information, which gateways may rewrite:
  -- the same instance sent twice, by C-STORE then STOW, hashes the same.
  dataset_sha256      text NOT NULL,
  -- Relative to DATA_DIR/dicom.
  file_path           text NOT NULL,
  received_via        text NOT NULL CHECK (received_via IN ('stow', 'cstore')),
  received_at         timestamptz NOT NULL DEFAULT now(),
  -- The whole data set but bulk data, as DICOM JSON, for WADO-RS metadata and QIDO instance level.
  metadata            jsonb NOT NULL
);
CREATE INDEX dicom_instances_series_idx ON dicom_instances (series_ref, instance_number);
