-- Only comments in this file; nothing to run.
/* still; nothing */
-- the end
