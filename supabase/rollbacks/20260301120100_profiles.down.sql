-- Undo 20260301120100_profiles.sql, in reverse order.  Drops the profiles
-- table and its rows; auth.users is left alone.  No CASCADE: tables of later
-- migrations that reference profiles must be rolled back first.
DROP POLICY IF EXISTS "Masters can view all profiles" ON public.profiles;
DROP POLICY IF EXISTS "Users can update their own profile" ON public.profiles;
DROP POLICY IF EXISTS "Users can view their own profile" ON public.profiles;
DROP TRIGGER IF EXISTS update_profiles_updated_at ON public.profiles;
DROP FUNCTION IF EXISTS public.is_master();
DROP INDEX IF EXISTS public.idx_profiles_email;
DROP TABLE IF EXISTS public.profiles;
