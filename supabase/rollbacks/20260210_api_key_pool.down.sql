-- Undo 20260210_api_key_pool.sql: the policy, then the table (and its rows).
DROP POLICY IF EXISTS "Service role only" ON public.api_key_pool;
DROP TABLE IF EXISTS public.api_key_pool;
