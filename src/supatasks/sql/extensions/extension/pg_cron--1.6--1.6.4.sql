-- supatasks DEVELOPMENT STAND-IN of pg_cron: 1.6 -> 1.6.4.
-- pg_cron 1.6.4 has no SQL changes over 1.6 (the platform reports 1.6.4, older
-- projects 1.6); this empty step lets both `VERSION '1.6'` and the default install.

\echo Use "CREATE EXTENSION pg_cron" to load this file. \quit
