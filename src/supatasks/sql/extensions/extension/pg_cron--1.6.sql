-- supatasks DEVELOPMENT STAND-IN of pg_cron 1.6 -- NOT the real extension.
--
-- pg_cron keeps jobs in cron.job and a background worker runs them on schedule,
-- logging each run in cron.job_run_details.  Supabase migrations schedule jobs at
-- migration time (cron.schedule('name', '*/5 * * * *', $$ ... $$)), often calling
-- net.http_post to reach an Edge Function.
--
-- This stand-in has the same schema `cron`, tables (columns, constraints, row
-- level security policies, sequences), and function signatures, in PL/pgSQL:
--   * REAL: cron.schedule / schedule_in_database / unschedule / alter_job behave
--     as the real ones: the schedule is checked by a port of pg_cron's parser
--     (5-field cron with names, ranges, steps and '$' for the last day of the
--     month, the @yearly/@annually/@monthly/@weekly/@daily/@midnight/@hourly/
--     @reboot/@restart macros, '[1-59] seconds'); an invalid one raises
--     "invalid schedule: ..." (22023) with the real hint.  Scheduling an existing
--     name (of the same user) updates that job's schedule, command and database
--     and returns its id.  unschedule of an unknown job raises, as the real one.
--     Jobs belong to the role that scheduled them (row level security as in the
--     real extension); only a superuser may name another role.
--   * KEPT, NEVER RUN: there is no worker; jobs stay in cron.job, active or not,
--     and cron.job_run_details stays empty.
--   * The job's database defaults to the cron.database_name setting where it is
--     set (the platform's is 'postgres'), else the current database; the real one
--     also refuses CREATE EXTENSION outside that database, the stand-in does not.
-- How the caller is known: the real C functions write cron.job as the extension
-- owner and record GetUserId().  These functions are SECURITY DEFINER (so
-- cron.job keeps the real grants: SELECT only) and take the caller to be the
-- role set with SET ROLE, else the session user.  Called from inside another
-- SECURITY DEFINER function, the job is recorded for that session role, not for
-- the function's owner.

\echo Use "CREATE EXTENSION pg_cron" to load this file. \quit

CREATE SCHEMA cron;
CREATE SEQUENCE cron.jobid_seq;

CREATE TABLE cron.job (
    jobid bigint PRIMARY KEY DEFAULT pg_catalog.nextval('cron.jobid_seq'),
    schedule text NOT NULL,
    command text NOT NULL,
    nodename text NOT NULL DEFAULT 'localhost',
    nodeport int NOT NULL DEFAULT pg_catalog.inet_server_port(),
    database text NOT NULL DEFAULT pg_catalog.current_database(),
    username text NOT NULL DEFAULT current_user,
    active boolean NOT NULL DEFAULT 'true',
    jobname text
);
CREATE UNIQUE INDEX jobname_username_idx ON cron.job (jobname, username);
ALTER TABLE cron.job ADD CONSTRAINT jobname_username_uniq UNIQUE USING INDEX jobname_username_idx;
GRANT SELECT ON cron.job TO PUBLIC;
ALTER TABLE cron.job ENABLE ROW LEVEL SECURITY;
CREATE POLICY cron_job_policy ON cron.job USING (username OPERATOR(pg_catalog.=) current_user);

CREATE SEQUENCE cron.runid_seq;
CREATE TABLE cron.job_run_details (
    jobid bigint,
    runid bigint PRIMARY KEY DEFAULT pg_catalog.nextval('cron.runid_seq'),
    job_pid integer,
    database text,
    username text,
    command text,
    status text,
    return_message text,
    start_time timestamptz,
    end_time timestamptz
);
GRANT SELECT ON cron.job_run_details TO PUBLIC;
GRANT DELETE ON cron.job_run_details TO PUBLIC;
ALTER TABLE cron.job_run_details ENABLE ROW LEVEL SECURITY;
CREATE POLICY cron_job_run_details_policy ON cron.job_run_details
    USING (username OPERATOR(pg_catalog.=) current_user);

GRANT SELECT ON SEQUENCE cron.jobid_seq TO PUBLIC;
GRANT SELECT ON SEQUENCE cron.runid_seq TO PUBLIC;

-- pg_dump keeps the jobs, as with the real extension.
SELECT pg_catalog.pg_extension_config_dump('cron.job', '');
SELECT pg_catalog.pg_extension_config_dump('cron.jobid_seq', '');
SELECT pg_catalog.pg_extension_config_dump('cron.job_run_details', '');
SELECT pg_catalog.pg_extension_config_dump('cron.runid_seq', '');

COMMENT ON TABLE cron.job IS
    'supatasks stand-in: jobs are kept here as pg_cron keeps them, and never run';
COMMENT ON TABLE cron.job_run_details IS
    'supatasks stand-in: stays empty, no job ever runs';

-- The real trigger tells the worker to reload its jobs; there is no worker.
CREATE FUNCTION cron.job_cache_invalidate()
RETURNS trigger
LANGUAGE plpgsql
AS $fn$
BEGIN
    RETURN NULL;
END
$fn$;
COMMENT ON FUNCTION cron.job_cache_invalidate() IS 'invalidate job cache';

CREATE TRIGGER cron_job_cache_invalidate
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON cron.job
    FOR STATEMENT EXECUTE PROCEDURE cron.job_cache_invalidate();

-- ---------------------------------------------------------------------------
-- Internal helpers
-- ---------------------------------------------------------------------------

-- The role calling: the one set with SET ROLE, else the session user.
CREATE FUNCTION cron._supatasks_caller()
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT CASE WHEN current_setting('role') IN ('none', '') THEN session_user::text
                ELSE current_setting('role') END
$fn$;

-- One character of the schedule as pg_cron's reader sees it: the characters,
-- then one NUL (the end of the C string), then EOF for ever.
CREATE FUNCTION cron._supatasks_char(s text, p int)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT CASE WHEN p <= length(s) THEN substr(s, p, 1)
                WHEN p = length(s) + 1 THEN 'NUL'
                ELSE 'EOF' END
$fn$;

-- pg_cron's get_number: a run of letters and digits starting with ch (already
-- read; the next character to read is at p); a name from `names` (case-
-- insensitive, numbered from `low`) or all digits.  num is NULL for an error.
CREATE FUNCTION cron._supatasks_number(s text, p int, ch text, low int, names text[],
                                       OUT num numeric, OUT next_p int, OUT next_ch text)
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    token text := '';
    idx int;
BEGIN
    WHILE ch ~ '^[A-Za-z0-9]$' LOOP
        token := token || ch;
        ch := cron._supatasks_char(s, p);
        p := p + 1;
    END LOOP;
    next_p := p;
    next_ch := ch;
    IF token = '' THEN
        RETURN;
    END IF;
    IF names IS NOT NULL THEN
        SELECT min(n) INTO idx FROM unnest(names) WITH ORDINALITY AS t(name, n) WHERE lower(name) = lower(token);
        IF idx IS NOT NULL THEN
            num := idx - 1 + low;
            RETURN;
        END IF;
    END IF;
    IF token ~ '^[0-9]+$' THEN
        num := token::numeric;
    END IF;
END
$fn$;

-- Whether pg_cron accepts the schedule: its cron-entry parser (a port of the
-- logic of Vixie cron's load_entry as pg_cron uses it, quirks included: what
-- follows the fifth field is ignored, as the command of a crontab line), then
-- its '[1-59] seconds' interval form.
CREATE FUNCTION cron._supatasks_valid_schedule(schedule text)
RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    s text := schedule;
    p int := 1;
    ch text;
    cmd text := '';
    lows int[] := ARRAY[0, 0, 1, 1, 0];
    highs int[] := ARRAY[59, 23, 31, 12, 7];
    month_names text[] := ARRAY['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun',
                                'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
    dow_names text[] := ARRAY['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
    names text[];
    low int;
    high int;
    num1 numeric;
    num2 numeric;
    num3 numeric;
    r record;
    parts text[];
    seconds numeric;
    cron_ok boolean := false;
BEGIN
    <<parse>>
    BEGIN
        EXIT parse WHEN octet_length(s) >= 1000;

        -- skip blank lines and '#' comment lines, then the blanks before the entry
        LOOP
            ch := cron._supatasks_char(s, p); p := p + 1;
            EXIT WHEN ch = 'EOF';
            WHILE ch IN (' ', E'\t') LOOP
                ch := cron._supatasks_char(s, p); p := p + 1;
            END LOOP;
            EXIT WHEN ch = 'EOF';
            EXIT WHEN ch <> E'\n' AND ch <> '#';
            WHILE ch <> E'\n' AND ch <> 'EOF' LOOP
                ch := cron._supatasks_char(s, p); p := p + 1;
            END LOOP;
        END LOOP;
        IF ch <> 'EOF' THEN
            p := p - 1;
        END IF;

        ch := cron._supatasks_char(s, p); p := p + 1;
        EXIT parse WHEN ch = 'EOF';

        IF ch = '@' THEN
            LOOP
                ch := cron._supatasks_char(s, p); p := p + 1;
                EXIT WHEN ch IN ('EOF', 'NUL', ' ', E'\t', E'\n');
                cmd := cmd || ch;
            END LOOP;
            cron_ok := cmd IN ('reboot', 'restart', 'yearly', 'annually', 'monthly',
                               'weekly', 'daily', 'midnight', 'hourly');
            EXIT parse;
        END IF;

        FOR field IN 1 .. 5 LOOP
            low := lows[field];
            high := highs[field];
            names := CASE field WHEN 4 THEN month_names WHEN 5 THEN dow_names END;

            IF field = 3 AND ch = '$' THEN
                -- the last day of the month: '$' then a blank
                ch := cron._supatasks_char(s, p); p := p + 1;
                EXIT parse WHEN ch NOT IN (' ', E'\t');
                WHILE ch IN (' ', E'\t') LOOP
                    ch := cron._supatasks_char(s, p); p := p + 1;
                END LOOP;
            ELSE
                -- list = range {"," range}
                LOOP
                    -- range = "*" | number | number "-" number, then an optional "/" step
                    IF ch = '*' THEN
                        num1 := low;
                        num2 := high;
                        ch := cron._supatasks_char(s, p); p := p + 1;
                        EXIT parse WHEN ch = 'EOF';
                    ELSE
                        r := cron._supatasks_number(s, p, ch, low, names);
                        num1 := r.num; p := r.next_p; ch := r.next_ch;
                        EXIT parse WHEN num1 IS NULL;
                        IF ch <> '-' THEN
                            -- a single number; a step needs a range
                            EXIT parse WHEN ch = '/' OR num1 < low OR num1 > high;
                            num2 := NULL;
                        ELSE
                            ch := cron._supatasks_char(s, p); p := p + 1;
                            EXIT parse WHEN ch = 'EOF';
                            r := cron._supatasks_number(s, p, ch, low, names);
                            num2 := r.num; p := r.next_p; ch := r.next_ch;
                            EXIT parse WHEN num2 IS NULL;
                        END IF;
                    END IF;
                    IF num2 IS NOT NULL THEN
                        IF ch = '/' THEN
                            ch := cron._supatasks_char(s, p); p := p + 1;
                            EXIT parse WHEN ch = 'EOF';
                            r := cron._supatasks_number(s, p, ch, 0, NULL);
                            num3 := r.num; p := r.next_p; ch := r.next_ch;
                            EXIT parse WHEN num3 IS NULL OR num3 <= 0;
                        ELSE
                            num3 := 1;
                        END IF;
                        EXIT parse WHEN num1 < low OR num1 > high OR num2 < low OR num2 > high
                                        OR num3 > high;
                    END IF;
                    EXIT WHEN ch <> ',';
                    ch := cron._supatasks_char(s, p); p := p + 1;
                END LOOP;
                -- skip the rest of the field, then the blanks after it
                WHILE ch NOT IN (E'\t', ' ', E'\n', 'EOF', 'NUL') LOOP
                    ch := cron._supatasks_char(s, p); p := p + 1;
                END LOOP;
                WHILE ch IN (' ', E'\t') LOOP
                    ch := cron._supatasks_char(s, p); p := p + 1;
                END LOOP;
            END IF;
            EXIT parse WHEN ch = 'EOF';
        END LOOP;
        cron_ok := true;
    END;

    IF cron_ok THEN
        RETURN true;
    END IF;

    -- '<n> second' or '<n> seconds' (sscanf " %u secon%c%c %c" on the lower-cased text)
    parts := regexp_match(lower(s), '^[[:space:]]*([+-]?)([0-9]+)[[:space:]]*secon(d|ds[[:space:]]*)$');
    IF parts IS NULL THEN
        RETURN false;
    END IF;
    seconds := parts[2]::numeric;
    IF seconds >= 18446744073709551616 THEN
        RETURN false;  -- strtoul saturates; the truncated value is not below 60
    END IF;
    IF parts[1] = '-' THEN
        seconds := 18446744073709551616 - seconds;
    END IF;
    seconds := mod(seconds, 4294967296);
    RETURN seconds > 0 AND seconds < 60;
END
$fn$;

CREATE FUNCTION cron._supatasks_check_schedule(schedule text)
RETURNS void
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF NOT cron._supatasks_valid_schedule(schedule) THEN
        RAISE EXCEPTION 'invalid schedule: %', schedule
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use cron format (e.g. 5 4 * * *), or interval format ''[1-59] seconds''';
    END IF;
END
$fn$;

-- A role named as a job's user must exist and be able to log in.
CREATE FUNCTION cron._supatasks_check_login_role(username text)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    can_login boolean;
BEGIN
    SELECT rolcanlogin INTO can_login FROM pg_catalog.pg_roles WHERE rolname = username;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'role "%" does not exist', username USING ERRCODE = 'internal_error';
    END IF;
    IF NOT can_login THEN
        RAISE EXCEPTION 'role "%" can not log in', username
            USING ERRCODE = 'internal_error',
                  DETAIL = 'Jobs may only be run by roles that have the LOGIN attribute.';
    END IF;
END
$fn$;

-- The job's user must exist (checked before) and may connect to its database.
CREATE FUNCTION cron._supatasks_check_database(database text, username text)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_database WHERE datname = database) THEN
        RAISE EXCEPTION 'database "%" does not exist', database USING ERRCODE = 'invalid_catalog_name';
    END IF;
    IF NOT has_database_privilege(username, database, 'CONNECT') THEN
        RAISE EXCEPTION 'User % does not have CONNECT privilege on %', username, database
            USING ERRCODE = 'internal_error';
    END IF;
END
$fn$;

-- ScheduleCronJob of the real extension: checks, then inserts the job (or, for a
-- name the user already has, updates its schedule, command and database).
CREATE FUNCTION cron._supatasks_schedule(job_name text, schedule text, command text,
                                         database text, username text, active boolean)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    caller text := cron._supatasks_caller();
    job_user text := caller;
    job_database text;
    job_id bigint;
BEGIN
    PERFORM cron._supatasks_check_schedule(schedule);

    IF username IS NOT NULL THEN
        IF NOT coalesce((SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = caller), false) THEN
            RAISE EXCEPTION 'must be superuser to create a job for another role' USING ERRCODE = 'internal_error';
        END IF;
        PERFORM cron._supatasks_check_login_role(username);
        job_user := username;
    END IF;

    job_database := coalesce(database, nullif(current_setting('cron.database_name', true), ''),
                             current_database());
    PERFORM cron._supatasks_check_database(job_database, job_user);

    IF job_name IS NULL THEN
        INSERT INTO cron.job (schedule, command, nodename, nodeport, database, username, active)
        VALUES (schedule, command, coalesce(nullif(current_setting('cron.host', true), ''), 'localhost'),
                current_setting('port')::int, job_database, job_user, active)
        RETURNING jobid INTO job_id;
    ELSE
        INSERT INTO cron.job AS j (schedule, command, nodename, nodeport, database, username, active, jobname)
        VALUES (schedule, command, coalesce(nullif(current_setting('cron.host', true), ''), 'localhost'),
                current_setting('port')::int, job_database, job_user, active, job_name)
        ON CONFLICT ON CONSTRAINT jobname_username_uniq DO UPDATE
            SET schedule = EXCLUDED.schedule,
                command = EXCLUDED.command,
                database = EXCLUDED.database
        RETURNING j.jobid INTO job_id;
    END IF;
    RETURN job_id;
END
$fn$;

-- ---------------------------------------------------------------------------
-- The pg_cron API
-- ---------------------------------------------------------------------------

CREATE FUNCTION cron.schedule(schedule text, command text)
RETURNS bigint
LANGUAGE plpgsql STRICT
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    RETURN cron._supatasks_schedule(NULL, schedule, command, NULL, NULL, true);
END
$fn$;
COMMENT ON FUNCTION cron.schedule(text, text) IS 'schedule a pg_cron job';

CREATE FUNCTION cron.schedule(job_name text, schedule text, command text)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF job_name IS NULL THEN
        RAISE EXCEPTION 'job_name can not be NULL' USING ERRCODE = 'internal_error';
    ELSIF schedule IS NULL THEN
        RAISE EXCEPTION 'schedule can not be NULL' USING ERRCODE = 'internal_error';
    ELSIF command IS NULL THEN
        RAISE EXCEPTION 'command can not be NULL' USING ERRCODE = 'internal_error';
    END IF;
    RETURN cron._supatasks_schedule(job_name, schedule, command, NULL, NULL, true);
END
$fn$;
COMMENT ON FUNCTION cron.schedule(text, text, text) IS 'schedule a pg_cron job';

CREATE FUNCTION cron.schedule_in_database(job_name text,
                                          schedule text,
                                          command text,
                                          database text,
                                          username text DEFAULT NULL,
                                          active boolean DEFAULT 'true')
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF job_name IS NULL THEN
        RAISE EXCEPTION 'job_name can not be NULL' USING ERRCODE = 'internal_error';
    ELSIF schedule IS NULL THEN
        RAISE EXCEPTION 'schedule can not be NULL' USING ERRCODE = 'internal_error';
    ELSIF command IS NULL THEN
        RAISE EXCEPTION 'command can not be NULL' USING ERRCODE = 'internal_error';
    END IF;
    RETURN cron._supatasks_schedule(job_name, schedule, command, database, username,
                                    coalesce(active, true));
END
$fn$;
COMMENT ON FUNCTION cron.schedule_in_database(text, text, text, text, text, boolean)
    IS 'schedule a pg_cron job';

CREATE FUNCTION cron.unschedule(job_id bigint)
RETURNS bool
LANGUAGE plpgsql STRICT
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    caller text := cron._supatasks_caller();
    owner_name text;
BEGIN
    SELECT j.username INTO owner_name FROM cron.job AS j WHERE j.jobid = job_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'could not find valid entry for job %', job_id USING ERRCODE = 'internal_error';
    END IF;
    IF owner_name IS DISTINCT FROM caller AND NOT has_table_privilege(caller, 'cron.job', 'DELETE') THEN
        RAISE EXCEPTION 'permission denied for table job' USING ERRCODE = 'insufficient_privilege';
    END IF;
    DELETE FROM cron.job AS j WHERE j.jobid = job_id;
    RETURN true;
END
$fn$;
COMMENT ON FUNCTION cron.unschedule(bigint) IS 'unschedule a pg_cron job';

CREATE FUNCTION cron.unschedule(job_name text)
RETURNS bool
LANGUAGE plpgsql STRICT
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    caller text := cron._supatasks_caller();
    found_id bigint;
BEGIN
    SELECT j.jobid INTO found_id FROM cron.job AS j
    WHERE j.jobname = job_name AND j.username = caller
    FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'could not find valid entry for job ''%''', job_name USING ERRCODE = 'internal_error';
    END IF;
    DELETE FROM cron.job AS j WHERE j.jobid = found_id;
    RETURN true;
END
$fn$;
COMMENT ON FUNCTION cron.unschedule(text) IS 'unschedule a pg_cron job';

CREATE FUNCTION cron.alter_job(job_id bigint,
                               schedule text DEFAULT NULL,
                               command text DEFAULT NULL,
                               database text DEFAULT NULL,
                               username text DEFAULT NULL,
                               active boolean DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    caller text := cron._supatasks_caller();
    caller_is_superuser boolean;
    acl_user text := caller;
BEGIN
    IF job_id IS NULL THEN
        RAISE EXCEPTION 'job_id can not be NULL' USING ERRCODE = 'internal_error';
    END IF;
    caller_is_superuser := coalesce((SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = caller), false);

    IF alter_job.username IS NOT NULL THEN
        IF NOT caller_is_superuser THEN
            RAISE EXCEPTION 'must be superuser to alter username' USING ERRCODE = 'internal_error';
        END IF;
        PERFORM cron._supatasks_check_login_role(alter_job.username);
        acl_user := alter_job.username;
    END IF;
    IF alter_job.database IS NOT NULL THEN
        PERFORM cron._supatasks_check_database(alter_job.database, acl_user);
    END IF;
    IF alter_job.schedule IS NOT NULL THEN
        PERFORM cron._supatasks_check_schedule(alter_job.schedule);
    END IF;
    IF alter_job.schedule IS NULL AND alter_job.command IS NULL AND alter_job.database IS NULL
       AND alter_job.username IS NULL AND alter_job.active IS NULL THEN
        RAISE EXCEPTION 'no updates specified'
            USING ERRCODE = 'internal_error',
                  HINT = 'You must specify at least one job attribute to change when calling alter_job';
    END IF;

    UPDATE cron.job AS j
    SET database = coalesce(alter_job.database, j.database),
        schedule = coalesce(alter_job.schedule, j.schedule),
        command = coalesce(alter_job.command, j.command),
        username = coalesce(alter_job.username, j.username),
        active = coalesce(alter_job.active, j.active)
    WHERE j.jobid = job_id AND (caller_is_superuser OR j.username = caller);
    IF NOT FOUND THEN
        RAISE EXCEPTION 'Job % does not exist or you don''t own it', job_id USING ERRCODE = 'internal_error';
    END IF;
END
$fn$;
COMMENT ON FUNCTION cron.alter_job(bigint, text, text, text, text, boolean)
    IS 'Alter the job identified by job_id. Any option left as NULL will not be modified.';

-- As in the real extension, an administrator decides who may use these two.
REVOKE ALL ON FUNCTION cron.alter_job(bigint, text, text, text, text, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION cron.schedule_in_database(text, text, text, text, text, boolean) FROM PUBLIC;

-- The platform's grants (Supabase's after-create script for pg_cron), where the
-- role exists.
DO $grants$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'postgres') THEN
        GRANT USAGE ON SCHEMA cron TO postgres WITH GRANT OPTION;
        GRANT ALL ON ALL FUNCTIONS IN SCHEMA cron TO postgres WITH GRANT OPTION;
        GRANT ALL PRIVILEGES ON ALL TABLES IN SCHEMA cron TO postgres WITH GRANT OPTION;
        REVOKE ALL ON TABLE cron.job FROM postgres;
        GRANT SELECT ON TABLE cron.job TO postgres WITH GRANT OPTION;
    END IF;
END
$grants$;
