from .env import env_str

# django.tasks API (django-tasks backport); the database backend needs no broker.
TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
