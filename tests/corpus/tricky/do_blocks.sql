DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'app_reader') THEN
    CREATE ROLE app_reader NOLOGIN;
  END IF;
END
$$;

DO $do$
DECLARE
  stmt text := 'create table public.from_do (id int); comment on table public.from_do is ''made; in DO''';
BEGIN
  EXECUTE stmt;
END
$do$ LANGUAGE plpgsql;

do language plpgsql $x$ begin perform 1; end $x$;
