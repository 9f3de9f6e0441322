create table public.orders (id int);
create table public.order_audit (id int, note text);
-- The CLI closes the rule's parenthesis at `(new.id, 'created')` and cuts at the `;` after it.
create rule orders_audit as on insert to public.orders do also (
  insert into public.order_audit values (new.id, 'created');
  insert into public.order_audit values (new.id, 'twice')
);
insert into public.orders values (7);
