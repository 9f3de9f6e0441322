create table public."weird;table" ("semi;colon" int, "quote""d" text, "it's" int);
comment on column public."weird;table"."semi;colon" is 'a column; with a semicolon';
create index "idx;weird" on public."weird;table" ("semi;colon");
create policy "owner can read; always" on public."weird;table" for select using (true);
insert into public."weird;table" values (1, 'a''b;c', 2);
