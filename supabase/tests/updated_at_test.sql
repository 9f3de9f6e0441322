-- updated_at: the shared trigger function stamps the time of the change on profiles, partners and events.
begin;
select plan(7);

select has_trigger('public', 'profiles', 'update_profiles_updated_at', 'profiles stamp updated_at');
select has_trigger('public', 'partners', 'update_partners_updated_at', 'partners stamp updated_at');
select has_trigger('public', 'events', 'update_events_updated_at', 'events stamp updated_at');

insert into public.partners (id, name, updated_at)
values ('20000000-0000-0000-0000-000000000001', 'Old Partner', '2000-01-01 00:00:00+00');
insert into public.events (partner_id, name, updated_at)
values ('20000000-0000-0000-0000-000000000001', 'Old Event', '2000-01-01 00:00:00+00');

update public.partners set name = 'Renamed Partner' where id = '20000000-0000-0000-0000-000000000001';
select is((select updated_at from public.partners where id = '20000000-0000-0000-0000-000000000001'), now(),
          'an update of a partner sets updated_at to the time of the change');

update public.events set name = 'Renamed Event' where partner_id = '20000000-0000-0000-0000-000000000001';
select is((select updated_at from public.events where partner_id = '20000000-0000-0000-0000-000000000001'), now(),
          'an update of an event sets updated_at');

update public.profiles set full_name = 'The Admin' where id = '00000000-0000-0000-0000-000000000001';
select is((select updated_at from public.profiles where id = '00000000-0000-0000-0000-000000000001'), now(),
          'an update of a profile sets updated_at');

select is((select created_at from public.partners where id = '20000000-0000-0000-0000-000000000001'), now(),
          'created_at is left alone by the trigger (it was set on insert)');

select * from finish();
rollback;
