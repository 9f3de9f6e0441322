-- Constraints: the values and references the database refuses, whatever the app sends.
begin;
select plan(9);

select col_not_null('public', 'profiles', 'role', 'every profile has a role');
select col_default_is('public', 'profiles', 'role', 'user', 'a new profile is a user');
select throws_ok(
  $$insert into public.profiles (id, role) values ('00000000-0000-0000-0000-000000000001', 'hacker')$$,
  '23514', null,
  'profiles.role takes only user, partner, admin or master'
);
select throws_ok(
  $$insert into public.profiles (id) values ('30000000-0000-0000-0000-000000000009')$$,
  '23503', null,
  'a profile needs its auth user'
);
select throws_ok(
  $$insert into public.events (partner_id, name) values ('30000000-0000-0000-0000-000000000009', 'No partner')$$,
  '23503', null,
  'an event needs its partner'
);
select throws_ok(
  $$insert into public.api_key_pool (api_key) values (null)$$,
  '23502', null,
  'an API key cannot be NULL'
);

insert into public.api_key_pool (api_key) values ('the-same-key');
select throws_ok(
  $$insert into public.api_key_pool (api_key) values ('the-same-key')$$,
  '23505', null,
  'an API key is in the pool once'
);

insert into public.generations (id, user_id) values
  ('40000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-000000000001');
insert into public.favorites (user_id, generation_id) values
  ('00000000-0000-0000-0000-000000000001', '40000000-0000-0000-0000-000000000001');
select throws_ok(
  $$insert into public.favorites (user_id, generation_id)
    values ('00000000-0000-0000-0000-000000000001', '40000000-0000-0000-0000-000000000001')$$,
  '23505', null,
  'a generation is a favorite of a user once'
);

delete from public.generations where id = '40000000-0000-0000-0000-000000000001';
select is_empty(
  $$select 1 from public.favorites where generation_id = '40000000-0000-0000-0000-000000000001'$$,
  'deleting a generation deletes its favorites'
);

select * from finish();
rollback;
