-- Leading comment; with a semicolon.
/* A block comment; with /* a nested; comment */ still inside; */
create table public.notes (id int primary key, body text); -- trailing comment; stays with the next statement
-- a comment between statements; also with the next one

/*
 * multi-line; block
 */
insert into public.notes values (1, 'x' /* inline; comment */ || 'y');   insert into public.notes values (2, '-- not a comment; just text');
select count(*) -- count; them
  from public.notes;
/* comment right before the end */ select 1 /* after code */ ;
