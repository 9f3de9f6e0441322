-- pg-delta: transaction=false
create table public.nt (a int);
create index concurrently nt_a_idx on public.nt (a);
insert into public.nt values (1);
