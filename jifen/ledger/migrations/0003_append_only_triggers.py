"""The database itself refuses to change or delete ledger rows.

PostgreSQL: a trigger function raises on UPDATE or DELETE of entries, postings and checkpoints.
TRUNCATE, which Django's test flush uses, needs table ownership; the application's database
role in production does not own its tables (see docs/ledger-format.md).

SQLite: triggers raise on UPDATE and DELETE while ``ledger_guard.enforced`` is 1. The guard
table is not a Django model, so nothing but ``jifen.ledger.maintenance`` (used to empty a test
or demo database) ever lowers it.
"""

from django.db import migrations

PROTECTED = ["ledger_entry", "ledger_posting", "ledger_checkpoint"]

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'jifen ledger rows are append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def create_triggers(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(POSTGRES_FUNCTION)
            for table in PROTECTED:
                cursor.execute(
                    f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                    "FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()"
                )
        elif connection.vendor == "sqlite":
            cursor.execute("CREATE TABLE ledger_guard (enforced INTEGER NOT NULL)")
            cursor.execute("INSERT INTO ledger_guard (enforced) VALUES (1)")
            for table in PROTECTED:
                for operation in ("UPDATE", "DELETE"):
                    cursor.execute(
                        f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
                        "WHEN (SELECT enforced FROM ledger_guard) = 1 BEGIN "
                        f"SELECT RAISE(ABORT, 'jifen ledger rows are append-only: {operation} on {table} refused'); "
                        "END"
                    )
        else:
            raise RuntimeError(f"No append-only triggers for {connection.vendor}")


def drop_triggers(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in PROTECTED:
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            cursor.execute("DROP FUNCTION IF EXISTS ledger_refuse_change()")
        else:
            for table in PROTECTED:
                for operation in ("update", "delete"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{operation}")
            cursor.execute("DROP TABLE IF EXISTS ledger_guard")


class Migration(migrations.Migration):
    dependencies = [("ledger", "0002_initial")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
