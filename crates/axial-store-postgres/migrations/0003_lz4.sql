-- The large values (source texts, sources' speaker-turn structure, the
-- change log's ops) are compressed with LZ4 instead of PostgreSQL's default
-- pglz: several times faster to write, which is most of the time of storing
-- an imported project. Only the method for values written from now on
-- changes (nothing is rewritten), and reading handles both. A server built
-- without LZ4 keeps pglz.
DO $$
BEGIN
    ALTER TABLE source_texts ALTER COLUMN text SET COMPRESSION lz4;
    ALTER TABLE sources ALTER COLUMN structure SET COMPRESSION lz4;
    ALTER TABLE changes ALTER COLUMN ops SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
    RAISE NOTICE 'this PostgreSQL server has no LZ4: large values stay compressed with pglz';
END
$$;
