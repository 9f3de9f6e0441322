create table public.said (s text);
insert into public.said values (E'it\'s');
-- The CLI reads the quote above wrongly and keeps this comment in the same piece; the piece
-- still holds one statement, so the CLI succeeds, and supatasks records the same piece.
