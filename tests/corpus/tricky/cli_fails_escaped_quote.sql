create table public.quotes (s text);
-- The CLI reads \' as the end of the string, so the rest of the file becomes one piece.
insert into public.quotes values (E'it\'s');
insert into public.quotes values ('next');
