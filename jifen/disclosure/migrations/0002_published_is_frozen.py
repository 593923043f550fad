"""The database itself refuses to change a published publication or its items.

PostgreSQL: one trigger function refuses UPDATE and DELETE of a publication once published, and
UPDATE, DELETE and INSERT of items of a published publication. TRUNCATE (the test flush) does
not fire row triggers; the application's role in production does not own its tables.

SQLite: the same triggers, gated on ``ledger_guard.enforced`` (ledger migration 0003) so that
``jifen.ledger.maintenance.ledger_unlocked_for_flush`` can empty a test or demo database.
"""

from django.db import migrations

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION disclosure_refuse_published_change() RETURNS trigger AS $$
BEGIN
    IF TG_TABLE_NAME = 'disclosure_publication' THEN
        IF OLD.published_at IS NOT NULL THEN
            RAISE EXCEPTION 'jifen published disclosures are frozen: % on % refused',
                TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
        END IF;
    ELSE
        IF TG_OP IN ('UPDATE', 'DELETE') AND EXISTS (
            SELECT 1 FROM disclosure_publication
            WHERE id = OLD.publication_id AND published_at IS NOT NULL
        ) OR TG_OP IN ('UPDATE', 'INSERT') AND EXISTS (
            SELECT 1 FROM disclosure_publication
            WHERE id = NEW.publication_id AND published_at IS NOT NULL
        ) THEN
            RAISE EXCEPTION 'jifen published disclosures are frozen: % on % refused',
                TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""

GUARD = "(SELECT enforced FROM ledger_guard) = 1"
PUBLISHED = "(SELECT published_at FROM disclosure_publication WHERE id = {row}.publication_id) IS NOT NULL"
SQLITE_TRIGGERS = {
    "disclosure_publication_no_update": (
        "UPDATE",
        "disclosure_publication",
        f"OLD.published_at IS NOT NULL AND {GUARD}",
    ),
    "disclosure_publication_no_delete": (
        "DELETE",
        "disclosure_publication",
        f"OLD.published_at IS NOT NULL AND {GUARD}",
    ),
    "disclosure_item_no_insert": (
        "INSERT",
        "disclosure_item",
        f"{PUBLISHED.format(row='NEW')} AND {GUARD}",
    ),
    "disclosure_item_no_update": (
        "UPDATE",
        "disclosure_item",
        f"({PUBLISHED.format(row='OLD')} OR {PUBLISHED.format(row='NEW')}) AND {GUARD}",
    ),
    "disclosure_item_no_delete": (
        "DELETE",
        "disclosure_item",
        f"{PUBLISHED.format(row='OLD')} AND {GUARD}",
    ),
}


def create_triggers(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(POSTGRES_FUNCTION)
            cursor.execute(
                "CREATE TRIGGER disclosure_publication_frozen BEFORE UPDATE OR DELETE "
                "ON disclosure_publication FOR EACH ROW "
                "EXECUTE FUNCTION disclosure_refuse_published_change()"
            )
            cursor.execute(
                "CREATE TRIGGER disclosure_item_frozen BEFORE INSERT OR UPDATE OR DELETE "
                "ON disclosure_item FOR EACH ROW "
                "EXECUTE FUNCTION disclosure_refuse_published_change()"
            )
        elif connection.vendor == "sqlite":
            for name, (operation, table, condition) in SQLITE_TRIGGERS.items():
                cursor.execute(
                    f"CREATE TRIGGER {name} BEFORE {operation} ON {table} WHEN {condition} BEGIN "
                    f"SELECT RAISE(ABORT, 'jifen published disclosures are frozen: "
                    f"{operation} on {table} refused'); END"
                )
        else:
            raise RuntimeError(f"No disclosure triggers for {connection.vendor}")


def drop_triggers(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "DROP TRIGGER IF EXISTS disclosure_publication_frozen ON disclosure_publication"
            )
            cursor.execute("DROP TRIGGER IF EXISTS disclosure_item_frozen ON disclosure_item")
            cursor.execute("DROP FUNCTION IF EXISTS disclosure_refuse_published_change()")
        else:
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("disclosure", "0001_initial"), ("ledger", "0003_append_only_triggers")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
