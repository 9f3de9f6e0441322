-- Functions whose bodies are dollar-quoted and full of semicolons.
create table public.accounts (
  id bigint generated always as identity primary key,
  email text not null,
  updated_at timestamptz not null default now()
);

create or replace function public.touch_updated_at()
returns trigger
language plpgsql
as $$
begin
  new.updated_at := now(); -- a comment; inside the body
  return new;
end;
$$;

create trigger accounts_touch before update on public.accounts
  for each row execute function public.touch_updated_at();

create function public.describe(p_id bigint) returns text
language plpgsql stable as $body$
declare
  v text;
begin
  -- nested, different tags: the inner quotes do not close the outer one
  execute format($fmt$select email || ';' from public.accounts where id = %s$fmt$, p_id) into v;
  return coalesce(v, $$none; really$$);
end
$body$;

create function public."sémantique"() returns text language sql immutable as $é$ select 'unicode tag; ok' $é$;
