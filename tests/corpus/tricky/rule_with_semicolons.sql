create table public.events (id int);
create table public.event_log (note text);
-- No nested parentheses: the CLI keeps the rule body whole.
create rule events_log as on insert to public.events do also (
  insert into public.event_log select 'one; two';
  notify events_changed
);
insert into public.events values (1);
