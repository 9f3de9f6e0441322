-- Statements separated by white space JavaScript's trim() removes (NBSP, U+3000, U+2028, VT, FF).
create table public."ünïcode" ("naïve" text); 　
 insert into public."ünïcode" values ('日本語; テキスト');
 select 'é' as "ü"; 
