-- The CLI ends a BEGIN ATOMIC body at the first "end", here the CASE's.
create function public.sign_of(a int) returns int language sql
begin atomic
  select case when a > 0 then 1 when a < 0 then -1 else 0 end;
end;
select public.sign_of(-5);
