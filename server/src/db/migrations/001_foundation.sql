-- Foundation: sites, users, sessions, machine tokens, DICOM AE titles, and the audit chain.

CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE sites (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  code        text NOT NULL UNIQUE CHECK (code ~ '^[A-Z0-9_-]{2,32}$'),
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  kind        text NOT NULL CHECK (kind IN ('hub', 'remote')),
  -- The hub a remote site refers its patients to. Hub staff see the data of their remote sites.
  hub_id      uuid REFERENCES sites (id),
  is_demo     boolean NOT NULL DEFAULT false,
  created_at  timestamptz NOT NULL DEFAULT now(),
  CHECK (kind = 'remote' OR hub_id IS NULL)
);

CREATE TABLE users (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email               text NOT NULL UNIQUE CHECK (email = lower(email)),
  name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  role                text NOT NULL CHECK (role IN ('ward_doctor', 'neurologist', 'radiologist', 'scheduler', 'admin')),
  password_hash       text NOT NULL,
  -- Base32 TOTP secret once the second factor is confirmed; the pending one while it is being set up.
  totp_secret         text,
  totp_pending_secret text,
  -- Last accepted TOTP time step, so that a code cannot be replayed.
  totp_last_step      bigint,
  failed_logins       integer NOT NULL DEFAULT 0,
  locked_until        timestamptz,
  disabled_at         timestamptz,
  is_demo             boolean NOT NULL DEFAULT false,
  created_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE user_sites (
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  site_id uuid NOT NULL REFERENCES sites (id),
  PRIMARY KEY (user_id, site_id)
);
CREATE INDEX user_sites_site_idx ON user_sites (site_id);

-- A session row is keyed by the SHA-256 of the cookie value: a database leak yields no usable cookie.
CREATE TABLE sessions (
  id            text PRIMARY KEY,
  user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  csrf_hash     text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_seen_at  timestamptz NOT NULL DEFAULT now(),
  ended_at      timestamptz,
  ip            text
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

-- Bearer tokens of site gateways. Only the SHA-256 of the token is kept.
CREATE TABLE api_tokens (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  site_id       uuid NOT NULL REFERENCES sites (id),
  name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  token_hash    text NOT NULL UNIQUE,
  created_by    uuid REFERENCES users (id),
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_used_at  timestamptz,
  revoked_at    timestamptz
);
CREATE INDEX api_tokens_site_idx ON api_tokens (site_id);

-- The calling AE title identifies the sending site, so it is unique across the whole network.
CREATE TABLE ae_titles (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  site_id     uuid NOT NULL REFERENCES sites (id),
  ae_title    text NOT NULL UNIQUE CHECK (length(ae_title) BETWEEN 1 AND 16),
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ae_titles_site_idx ON ae_titles (site_id);

-- Append-only and hash-chained: each row's hash covers its fields and the previous row's hash,
-- and seq has no gaps, so an edited, removed or inserted row breaks the chain (see audit:verify).
CREATE TABLE audit_log (
  seq            bigint PRIMARY KEY,
  at             timestamptz NOT NULL,
  actor_type     text NOT NULL CHECK (actor_type IN ('user', 'token', 'system')),
  actor_id       text,
  action         text NOT NULL,
  resource_type  text,
  resource_id    text,
  site_id        uuid,
  ip             text,
  details        jsonb NOT NULL DEFAULT '{}'::jsonb,
  prev_hash      text NOT NULL,
  hash           text NOT NULL UNIQUE
);
CREATE INDEX audit_log_site_idx ON audit_log (site_id, seq);
CREATE INDEX audit_log_resource_idx ON audit_log (resource_type, resource_id);

CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
