-- Undo 20260330120000_profiles_role_backfill.sql, in reverse order: the check,
-- NOT NULL and the default go.  The backfill itself is NOT reverted: which rows
-- had no role before is not recorded, so they keep 'user' (harmless: the
-- column is nullable again).
ALTER TABLE IF EXISTS public.profiles DROP CONSTRAINT IF EXISTS profiles_role_check;
ALTER TABLE IF EXISTS public.profiles ALTER COLUMN role DROP NOT NULL;
ALTER TABLE IF EXISTS public.profiles ALTER COLUMN role DROP DEFAULT;
