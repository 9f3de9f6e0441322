BEGIN;
create table public.tx_items (id int primary key);
insert into public.tx_items values (1), (2);
COMMIT;
begin transaction isolation level read committed;
insert into public.tx_items values (3);
end;
