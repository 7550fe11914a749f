import dj_database_url

from .env import BASE_DIR, env_str

DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")

DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Prepared statements, planned once per connection. Django binds client-side (never prepared), so
    # this concerns only the hot reads of `kezek.core.db.fetch_prepared`, whose statements are written
    # for generic plans (PostgreSQL's automatic choice keeps re-planning them: a custom plan looks
    # cheaper on paper). Django disables preparing by default for transaction-mode connection poolers
    # (PgBouncer): Kezek connects to PostgreSQL directly.
    DATABASES["default"]["OPTIONS"] = {
        "prepare_threshold": 5,
        "options": "-c plan_cache_mode=force_generic_plan",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE: writers take the lock at BEGIN, so concurrent writers queue instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

# While the database cannot be reached, every request answers 503 with this Retry-After (seconds).
DATABASE_UNAVAILABLE_RETRY_AFTER = int(env_str("DATABASE_UNAVAILABLE_RETRY_AFTER", "5"))
