create table public.strings (s text);
insert into public.strings values (E'line one\nline two; still one string');
insert into public.strings values (E'tab\there');
insert into public.strings values (e'it''s; doubled quote in an escape string');
insert into public.strings values (E'back\\slash at the end\\');
insert into public.strings values (E'\x41\u00e9; hex and unicode');
insert into public.strings values ('standard \ backslash; is literal');
insert into public.strings values (U&'d\0061t\+000061; unicode escapes');
insert into public.strings values (E'first part\n'
  'continued; on the next line');
