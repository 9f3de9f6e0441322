-- Favorites: a signed-in user sees and changes only their own; anonymous requests see nothing.
begin;
select plan(8);

-- two users, each with a profile, a generation and a favorite of it (set up as postgres)
select tests.create_supabase_user('ana');
select tests.create_supabase_user('ben');
insert into public.profiles (id, email) values
  (tests.get_supabase_uid('ana'), 'ana@test.com'),
  (tests.get_supabase_uid('ben'), 'ben@test.com');
insert into public.generations (id, user_id, prompt) values
  ('10000000-0000-0000-0000-00000000000a', tests.get_supabase_uid('ana'), 'a picture for ana'),
  ('10000000-0000-0000-0000-00000000000b', tests.get_supabase_uid('ben'), 'a picture for ben');
insert into public.favorites (user_id, generation_id) values
  (tests.get_supabase_uid('ana'), '10000000-0000-0000-0000-00000000000a'),
  (tests.get_supabase_uid('ben'), '10000000-0000-0000-0000-00000000000b');

select tests.authenticate_as('ana');
select results_eq(
  'select generation_id from public.favorites',
  array['10000000-0000-0000-0000-00000000000a'::uuid],
  'ana sees only her own favorite'
);
select throws_ok(
  $$insert into public.favorites (user_id, generation_id)
    values (tests.get_supabase_uid('ben'), '10000000-0000-0000-0000-00000000000a')$$,
  '42501', null,
  'ana cannot add a favorite in ben''s name'
);
select lives_ok(
  $$delete from public.favorites where user_id = tests.get_supabase_uid('ben')$$,
  'deleting ben''s favorites runs ...'
);
select results_eq(
  'select generations.user_id from public.generations',
  array[tests.get_supabase_uid('ana')],
  'ana sees only her own generations'
);

select tests.authenticate_as('ben');
select is(
  (select count(*)::integer from public.favorites),
  1,
  '... but deletes nothing: ben still has his favorite'
);
select is_empty(
  $$select 1 from public.favorites where user_id = tests.get_supabase_uid('ana')$$,
  'ben does not see ana''s favorite'
);

select tests.clear_authentication();
select is_empty('select * from public.favorites', 'anonymous requests see no favorites');
select is_empty('select * from public.generations', 'anonymous requests see no generations');

select * from finish();
rollback;
