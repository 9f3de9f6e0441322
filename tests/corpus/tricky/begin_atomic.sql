create table public.nums (n int);

CREATE FUNCTION public.add_one(a integer) RETURNS integer
  LANGUAGE SQL
  IMMUTABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
  SELECT a + 1;
END;

create procedure public.insert_two(a integer)
language sql
begin atomic
  insert into public.nums values (a);
  insert into public.nums values (a + 1);
end;

create or replace function public.twice(a int) returns int language sql
return a * 2;
