from .env import env_str

# django.tasks API (django-tasks backport); the database backend needs no broker.
TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# `tick`: the yearly confirmation sweeps this many localities' ended campaigns at once, each on its own
# database connection (PostgreSQL only; one at a time on SQLite). The work is mostly the database's, so
# more workers than the database server's cores gain nothing.
CONFIRMATION_SWEEP_WORKERS = int(env_str("CONFIRMATION_SWEEP_WORKERS", "2"))
