-- migration header
create table public.crlf (
  id int,
  note text default $$a;
b$$
);

insert into public.crlf values (1, 'x;
y');  -- same line
-- end
