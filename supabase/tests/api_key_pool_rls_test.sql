-- The API key pool: only the service role reads it; signed-in users and anonymous requests get nothing.
begin;
select plan(6);

insert into public.api_key_pool (api_key, account_name) values ('test-key-1', 'pool account');

select policies_are('public', 'api_key_pool', array['Service role only']);
select policy_roles_are('public', 'api_key_pool', 'Service role only', array['service_role']);

select tests.authenticate_as_service_role();
select results_eq(
  'select api_key from public.api_key_pool',
  array['test-key-1'],
  'the service role reads the pool'
);

select tests.create_supabase_user('guest');
select tests.authenticate_as('guest');
select is_empty('select * from public.api_key_pool', 'a signed-in user sees no keys');
select throws_ok(
  $$insert into public.api_key_pool (api_key) values ('planted-key')$$,
  '42501', null,
  'a signed-in user cannot add a key'
);

select tests.clear_authentication();
select is_empty('select * from public.api_key_pool', 'an anonymous request sees no keys');

select * from finish();
rollback;
