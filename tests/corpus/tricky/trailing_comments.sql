create table public.trailing (id int); -- after the last statement

-- a closing remark
/* and a block */


