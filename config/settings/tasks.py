from .env import env_str

# django.tasks API (django-tasks backport); the database backend needs no broker.
TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# `tick` takes a task row RUNNING for longer than this to have lost its worker (killed): it goes back to
# READY, or to FAILED (kezek.core.task_rows). Far longer than any task takes (the longest, verifying the
# whole ledger at country scale, takes minutes), as a task still running would then run twice.
TASKS_RUNNING_LEASE_SECONDS = int(env_str("TASKS_RUNNING_LEASE_SECONDS", "3600"))

# `tick`: the yearly confirmation sweeps this many localities' ended campaigns at once, each on its own
# database connection (PostgreSQL only; one at a time on SQLite). The work is mostly the database's, so
# more workers than the database server's cores gain nothing.
CONFIRMATION_SWEEP_WORKERS = int(env_str("CONFIRMATION_SWEEP_WORKERS", "2"))
