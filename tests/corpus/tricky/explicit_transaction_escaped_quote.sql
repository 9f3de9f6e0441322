-- With an explicit BEGIN the CLI runs each piece with the simple query protocol, so its
-- misreading of E'\'' (it keeps the next statements in the same piece) still succeeds.
BEGIN;
create table public.esc (s text);
insert into public.esc values (E'it\'s');
insert into public.esc values ('plain');
COMMIT;
