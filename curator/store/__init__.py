"""Storage: SQLAlchemy 2 Core tables, Alembic migrations, and the queries other packages call."""
