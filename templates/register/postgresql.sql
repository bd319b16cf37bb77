-- Credit Desk: the team rating register on PostgreSQL (schema credit_desk, register format 1).
--
-- The one source of the schema: `credit-desk register init URL` runs this file, and IT may run it
-- as it is with psql, as a superuser (a login with CREATEROLE only cannot: on PostgreSQL 15 it is not
-- a member of the roles it creates, so it cannot make credit_desk_owner own the schema):
--     psql "postgresql://admin@dbhost:5432/finance" -v ON_ERROR_STOP=1 --single-transaction -f postgresql.sql
-- Running it again is harmless: roles, tables and entries that exist are kept; only what is missing
-- is made, and the grants are given again.
--
-- Roles (no login; IT grants them to the people's logins):
--   credit_desk_owner    owns the schema and its tables; later formats' migrations run as it
--   credit_desk_clerk    reads the register and appends runs and approvals (INSERT only); reads and,
--                        once, inserts the register's key, which seals the approval forms
--   credit_desk_auditor  reads the entries and meta, never the key
--     GRANT credit_desk_clerk TO alice;   GRANT credit_desk_auditor TO bob;
--
-- Entries are never changed: triggers refuse UPDATE, DELETE and TRUNCATE on entries and on the key
-- (for everyone, the owner and superusers included), and UPDATE, DELETE and TRUNCATE on meta to anyone
-- but the owner; an entry inserted must continue the chain (number, link and hash checked by the
-- server). The owner of the tables and a superuser can still disable or drop a trigger: the hash
-- chain then shows what was changed (credit-desk verify-register).
--
-- Later formats: the program's desktop/io/register_pg.py MIGRATIONS lists, per format above 1, the
-- file of this folder that brings a register of the format before it up to that one
-- (postgresql-2.sql, ...); `register init` runs them in order. None yet: format 1 is the first. This
-- file itself makes format 1 and never upgrades a register (run by psql, it refuses a newer one).

DO $$
DECLARE
  found text;
BEGIN
  IF to_regclass('credit_desk.meta') IS NOT NULL THEN
    EXECUTE $q$SELECT value FROM credit_desk.meta WHERE key = 'schema_version'$q$ INTO found;
    IF found ~ '^[0-9]+$' AND found::int > 1 THEN
      RAISE EXCEPTION 'credit_desk holds a register of format %, newer than this file''s (1): use the newer program''s file', found;
    END IF;
  END IF;
END $$;

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'credit_desk_owner') THEN
    CREATE ROLE credit_desk_owner NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'credit_desk_clerk') THEN
    CREATE ROLE credit_desk_clerk NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'credit_desk_auditor') THEN
    CREATE ROLE credit_desk_auditor NOLOGIN;
  END IF;
END $$;

CREATE SCHEMA IF NOT EXISTS credit_desk AUTHORIZATION credit_desk_owner;

SET ROLE credit_desk_owner;  -- what follows is the owner's

CREATE TABLE IF NOT EXISTS credit_desk.meta (
  key text PRIMARY KEY,
  value text NOT NULL
);

-- the same columns as the SQLite register's; payload is the canonical JSON the hash was computed over
CREATE TABLE IF NOT EXISTS credit_desk.entries (
  seq bigint PRIMARY KEY CHECK (seq > 0),  -- one entry per number: two writers can never fork the chain
  kind text NOT NULL,  -- run | decision | approval
  run_id text NOT NULL,
  customer_id text,
  payload text NOT NULL,
  prev_hash text NOT NULL,
  hash text NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_customer ON credit_desk.entries (customer_id, seq);
CREATE INDEX IF NOT EXISTS entries_run ON credit_desk.entries (run_id, kind);

-- the register's secret (HMAC key of the approval forms): the clerk's desktop seals forms with it,
-- so the clerk role reads it; the auditor role cannot
CREATE TABLE IF NOT EXISTS credit_desk.secret (
  key text PRIMARY KEY CHECK (key = 'hmac_key'),
  value text NOT NULL
);

CREATE OR REPLACE FUNCTION credit_desk.refuse_change() RETURNS trigger LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  RAISE EXCEPTION 'the rating register is append-only: % on % refused', TG_OP, TG_TABLE_NAME;
END $$;

CREATE OR REPLACE FUNCTION credit_desk.owner_only() RETURNS trigger LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF NOT pg_has_role(current_user, 'credit_desk_owner', 'MEMBER') THEN
    RAISE EXCEPTION 'only the register''s owner changes %: % refused', TG_TABLE_NAME, TG_OP;
  END IF;
  IF TG_LEVEL = 'STATEMENT' THEN
    RETURN NULL;
  ELSIF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END $$;

-- Every entry appended must continue the chain, whoever inserts it (the program, or a clerk's login
-- with psql): its number follows the last entry's, its prev_hash is that entry's hash (the genesis
-- hash for entry 1), and its hash is SHA-256 over prev_hash|seq|kind|run_id|customer_id|payload, as
-- the program computes it. A row that does not is refused, so no login with INSERT can leave an
-- entry that breaks the chain for good (entries can never be changed or deleted to repair it). Each
-- trigger function runs with its own search_path (pg_catalog first): a login that may create
-- functions in some schema cannot put its own sha256() or = in front of the server's.
CREATE OR REPLACE FUNCTION credit_desk.continue_chain() RETURNS trigger LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  before text;
BEGIN
  IF NEW.seq = 1 THEN
    before := repeat('0', 64);
  ELSE
    SELECT e.hash INTO before FROM credit_desk.entries e WHERE e.seq = NEW.seq - 1;
  END IF;
  IF before IS NULL THEN
    RAISE EXCEPTION 'the rating register''s entry % does not follow its last entry', NEW.seq
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF NEW.prev_hash IS DISTINCT FROM before THEN
    RAISE EXCEPTION 'the rating register''s entry % does not link to entry %', NEW.seq, NEW.seq - 1
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF NEW.hash IS DISTINCT FROM encode(sha256(convert_to(concat_ws('|', NEW.prev_hash, NEW.seq::text, NEW.kind,
      NEW.run_id, coalesce(NEW.customer_id, ''), NEW.payload), 'UTF8')), 'hex') THEN
    RAISE EXCEPTION 'the rating register''s entry % has a hash that is not its content''s', NEW.seq
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END $$;

DO $$
DECLARE
  t record;
BEGIN
  FOR t IN SELECT * FROM (VALUES
      ('entries', 'entries_continue_chain', 'BEFORE INSERT', 'ROW', 'continue_chain'),
      ('entries', 'entries_append_only', 'BEFORE UPDATE OR DELETE', 'ROW', 'refuse_change'),
      ('entries', 'entries_no_truncate', 'BEFORE TRUNCATE', 'STATEMENT', 'refuse_change'),
      ('secret', 'secret_append_only', 'BEFORE UPDATE OR DELETE', 'ROW', 'refuse_change'),
      ('secret', 'secret_no_truncate', 'BEFORE TRUNCATE', 'STATEMENT', 'refuse_change'),
      ('meta', 'meta_owner_only', 'BEFORE UPDATE OR DELETE', 'ROW', 'owner_only'),
      ('meta', 'meta_no_truncate', 'BEFORE TRUNCATE', 'STATEMENT', 'owner_only')
    ) AS x(tbl, name, event, level, fn)
  LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = t.name
                   AND tgrelid = format('credit_desk.%I', t.tbl)::regclass) THEN
      EXECUTE format('CREATE TRIGGER %I %s ON credit_desk.%I FOR EACH %s EXECUTE FUNCTION credit_desk.%I()',
                     t.name, t.event, t.tbl, t.level, t.fn);
    END IF;
  END LOOP;
END $$;

REVOKE ALL ON SCHEMA credit_desk FROM PUBLIC;
REVOKE ALL ON credit_desk.meta, credit_desk.entries, credit_desk.secret FROM PUBLIC;
GRANT USAGE ON SCHEMA credit_desk TO credit_desk_clerk, credit_desk_auditor;
GRANT SELECT, INSERT ON credit_desk.entries TO credit_desk_clerk;
GRANT SELECT ON credit_desk.meta TO credit_desk_clerk;
GRANT SELECT, INSERT ON credit_desk.secret TO credit_desk_clerk;
GRANT SELECT ON credit_desk.entries, credit_desk.meta TO credit_desk_auditor;

INSERT INTO credit_desk.meta (key, value) VALUES ('schema_version', '1') ON CONFLICT (key) DO NOTHING;

RESET ROLE;
