"""Django's PostgreSQL backend for connections through PgBouncer in transaction pooling (DATABASE_POOLER=pgbouncer)."""
