-- Rollback migration
DROP INDEX IF EXISTS idx_profiles_preferences;
ALTER TABLE profiles DROP COLUMN IF EXISTS preferences;
