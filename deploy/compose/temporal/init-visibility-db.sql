-- Runs once, when Temporal's PostgreSQL container starts on an empty volume. The image creates the
-- `temporal` database itself (POSTGRES_DB); Temporal's visibility store needs a second one. Creating
-- both here keeps the schema job (temporal-schema.sh) free of "create database" steps, which are not
-- safe to run twice.
CREATE DATABASE temporal_visibility;
