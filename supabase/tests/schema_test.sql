-- The schema the app relies on: its tables, row level security everywhere, the policies of each table.
begin;
select plan(7);

select tables_are('public',
  array['api_key_pool', 'profiles', 'partners', 'events', 'styles_metadata', 'generations', 'favorites']);
select tests.rls_enabled('public');
select policies_are('public', 'profiles',
  array['Users can view their own profile', 'Users can update their own profile', 'Masters can view all profiles']);
select policy_cmd_is('public', 'profiles', 'Users can update their own profile', 'update',
                     'users update their own profile with an UPDATE policy');
select policies_are('public', 'favorites', array['Users can manage their own favorites']);
select has_function('public', 'is_master', 'is_master() exists for the policies');
select col_type_is('public', 'profiles', 'preferences', 'jsonb', 'preferences are jsonb');

select * from finish();
rollback;
