create index concurrently if not exists cic_t_a_idx on public.cic_t (a);
