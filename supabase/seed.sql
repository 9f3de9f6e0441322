-- Seed data for local development (`supabase db reset`, `inv db.reset`).
-- Safe to run again: every insert skips rows that already exist.

-- Insert default styles
INSERT INTO styles_metadata (id, label, category, subcategory, is_premium)
VALUES 
  ('pb_a', 'Thomas Shelby', 'series', 'Peaky Blinders', true),
  ('suit_a', 'Harvey Specter', 'series', 'La Ley de los Audaces', false),
  ('jhonw_a', 'Baba Yaga', 'cinema', 'John Wick', true)
ON CONFLICT (id) DO NOTHING;

-- profiles.id references auth.users(id): the master admin needs its Auth user
-- first.  No password is set (encrypted_password stays NULL): sign in with a
-- magic link or set one through Auth, so no known password ever ships.
-- (The guide's copy shows the address as "[email protected]", an e-mail
-- obfuscation artefact; a placeholder address is used instead.)
INSERT INTO auth.users (instance_id, id, aud, role, email, raw_app_meta_data, raw_user_meta_data,
                        email_confirmed_at, created_at, updated_at)
VALUES
  ('00000000-0000-0000-0000-000000000000', '00000000-0000-0000-0000-000000000001',
   'authenticated', 'authenticated', 'admin@cabina.local',
   '{"provider": "email", "providers": ["email"]}', '{}',
   now(), now(), now())
ON CONFLICT (id) DO NOTHING;

-- Insert master admin
INSERT INTO profiles (id, email, is_master, role)
VALUES 
  ('00000000-0000-0000-0000-000000000001', 'admin@cabina.local', true, 'master')
ON CONFLICT (id) DO NOTHING;
