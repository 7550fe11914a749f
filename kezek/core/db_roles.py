"""Least privilege on PostgreSQL (issue 16): an owner role that owns the schema and runs the migrations, and
an application role that owns nothing and may only read and write rows.

The application role gets SELECT, INSERT, UPDATE and DELETE on every table and USAGE, SELECT on every
sequence of the schema (and, by default privileges, on those the owner creates later), except the ledger:
events are only inserted and read, the head row is inserted once and then advanced (UPDATE), never deleted.
It never gets TRUNCATE, REFERENCES or TRIGGER, cannot CREATE in the schema and, owning nothing, cannot
ALTER, DROP or DISABLE TRIGGER. `db_roles_apply` is idempotent: run it again after every `migrate` (new
tables get the defaults, the ledger's exceptions are reapplied).
"""

import re

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.utils import CursorWrapper

TABLE_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE"
SEQUENCE_PRIVILEGES = "USAGE, SELECT"
# Tables whose rows the application may not change as it does others': model label → what it may do.
RESTRICTED_TABLES = {
    "ledger.LedgerEvent": "SELECT, INSERT",  # append-only
    "ledger.LedgerHead": "SELECT, INSERT, UPDATE",  # created by the first append, then advanced
}
ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
# pg_class.relkind → the ALTER statement's object type.
RELATION_KINDS = {"r": "TABLE", "p": "TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW", "S": "SEQUENCE"}


class DatabaseRolesError(Exception):
    """The roles cannot be set up as asked (another database, or an application role with powers)."""


def db_roles_apply(*, owner: str, app: str, using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Create the roles if missing, give the owner the database, its schema and everything in it, and grant
    the application role exactly what it needs (issue 16, least privilege); return the statements run.

    Creating roles and taking objects from another owner needs a superuser; once that is done, the owner
    itself may run it again (only the grants are then repeated).
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        raise DatabaseRolesError("database roles are a PostgreSQL feature")
    if owner == app:
        raise DatabaseRolesError("the owner and the application must be two roles")
    for role in (owner, app):
        if not ROLE_NAME.fullmatch(role):
            raise DatabaseRolesError(f"{role!r}: a role name is lower-case letters, digits and _ (≤ 63)")
    q = connection.ops.quote_name
    done: list[str] = []
    with transaction.atomic(using=using), connection.cursor() as cursor:

        def run(sql: str) -> None:
            cursor.execute(sql)
            done.append(sql)

        for role in (owner, app):
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            if cursor.fetchone() is None:
                run(f"CREATE ROLE {q(role)} LOGIN")
        _refuse_powerful_app(cursor, owner=owner, app=app)

        cursor.execute(
            "SELECT current_database(), current_schema(), pg_get_userbyid(d.datdba),"
            " pg_has_role(%s, n.nspowner, 'MEMBER')"
            " FROM pg_database d, pg_namespace n"
            " WHERE d.datname = current_database() AND n.nspname = current_schema()",
            [owner],
        )
        database, schema, database_owner, owns_schema = cursor.fetchone()
        if database_owner != owner:
            run(f"ALTER DATABASE {q(database)} OWNER TO {q(owner)}")
        if not owns_schema:
            run(f"ALTER SCHEMA {q(schema)} OWNER TO {q(owner)}")
        for statement in _ownership_transfers(cursor, owner=owner):
            run(statement)

        s, o, a = q(schema), q(owner), q(app)
        run(f"REVOKE CREATE ON SCHEMA {s} FROM PUBLIC")
        run(f"REVOKE ALL ON SCHEMA {s} FROM {a}")
        run(f"GRANT USAGE ON SCHEMA {s} TO {a}")
        run(f"GRANT CONNECT ON DATABASE {q(database)} TO {a}")
        for kind, privileges in (("TABLES", TABLE_PRIVILEGES), ("SEQUENCES", SEQUENCE_PRIVILEGES)):
            run(f"REVOKE ALL ON ALL {kind} IN SCHEMA {s} FROM PUBLIC, {a}")
            run(f"GRANT {privileges} ON ALL {kind} IN SCHEMA {s} TO {a}")
            run(f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA {s} GRANT {privileges} ON {kind} TO {a}")
        existing = set(connection.introspection.table_names(cursor))
        for label, privileges in RESTRICTED_TABLES.items():
            name = apps.get_model(label)._meta.db_table
            if name not in existing:  # not migrated yet: run again after `migrate`
                continue
            table = q(name)
            run(f"REVOKE ALL ON {table} FROM {a}")
            run(f"GRANT {privileges} ON {table} TO {a}")
    return done


def _refuse_powerful_app(cursor: CursorWrapper, *, owner: str, app: str) -> None:
    """The application role may not be a superuser, create roles or databases, bypass row security, or
    act as the owner (a member of it)."""
    cursor.execute(
        "SELECT rolsuper OR rolcreaterole OR rolcreatedb OR rolbypassrls OR rolreplication,"
        " pg_has_role(%s, %s, 'MEMBER') FROM pg_roles WHERE rolname = %s",
        [app, owner, app],
    )
    powers, member = cursor.fetchone()
    if powers or member:
        raise DatabaseRolesError(
            f"the application role {app!r} must have no powers of its own"
            f" (superuser, CREATEROLE, CREATEDB, BYPASSRLS, REPLICATION) nor be a member of {owner!r}"
        )


def _ownership_transfers(cursor: CursorWrapper, *, owner: str) -> list[str]:
    """ALTER … OWNER TO owner for every relation and routine of the schema owned by another role
    (indexes and the sequences of identity columns follow their table; extensions' objects are left)."""
    q = cursor.db.ops.quote_name
    cursor.execute(
        "SELECT c.relkind, quote_ident(c.relname) FROM pg_class c"
        " WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())"
        " AND c.relkind IN ('r', 'p', 'v', 'm', 'S')"
        " AND c.relowner <> (SELECT oid FROM pg_roles WHERE rolname = %s)"
        " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass"
        "  AND d.objid = c.oid AND d.deptype IN ('a', 'i', 'e'))"
        " ORDER BY c.relkind, c.relname",
        [owner],
    )
    statements = [
        f"ALTER {RELATION_KINDS[kind]} {name} OWNER TO {q(owner)}" for kind, name in cursor.fetchall()
    ]
    cursor.execute(
        "SELECT p.oid::regprocedure::text FROM pg_proc p"
        " WHERE p.pronamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())"
        " AND p.proowner <> (SELECT oid FROM pg_roles WHERE rolname = %s)"
        " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass"
        "  AND d.objid = p.oid AND d.deptype = 'e')"
        " ORDER BY 1",
        [owner],
    )
    statements += [f"ALTER ROUTINE {signature} OWNER TO {q(owner)}" for (signature,) in cursor.fetchall()]
    return statements
