-- Undo 20260301120000_update_updated_at_function.sql.
-- No CASCADE: while a trigger still uses the function this fails instead of
-- silently dropping the triggers of later migrations (roll those back first).
DROP FUNCTION IF EXISTS update_updated_at_column();
