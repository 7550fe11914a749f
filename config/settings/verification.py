"""One-time SMS codes (rule I4) and the attempt limiter for password logins."""

from .env import env_str

# A code is valid for OTP_TTL_SECONDS and allows OTP_MAX_ATTEMPTS guesses (right or wrong).
OTP_TTL_SECONDS = int(env_str("OTP_TTL_SECONDS", "300"))
OTP_MAX_ATTEMPTS = int(env_str("OTP_MAX_ATTEMPTS", "5"))
# A confirmed code must be used (consumed) within this time.
OTP_CONFIRMED_TTL_SECONDS = int(env_str("OTP_CONFIRMED_TTL_SECONDS", "1800"))
# Sending throttles: per phone one code per interval and at most N an hour; per client IP N an hour.
OTP_RESEND_INTERVAL_SECONDS = int(env_str("OTP_RESEND_INTERVAL_SECONDS", "60"))
OTP_PHONE_HOURLY_LIMIT = int(env_str("OTP_PHONE_HOURLY_LIMIT", "5"))
OTP_IP_HOURLY_LIMIT = int(env_str("OTP_IP_HOURLY_LIMIT", "20"))
# Codes are deleted by `tick` this long after they were created.
OTP_PURGE_AFTER_SECONDS = int(env_str("OTP_PURGE_AFTER_SECONDS", "86400"))

# Password logins: ATTEMPT_LIMIT failures within ATTEMPT_WINDOW_SECONDS lock the key for
# ATTEMPT_LOCKOUT_SECONDS.
ATTEMPT_LIMIT = int(env_str("ATTEMPT_LIMIT", "5"))
ATTEMPT_WINDOW_SECONDS = int(env_str("ATTEMPT_WINDOW_SECONDS", "900"))
ATTEMPT_LOCKOUT_SECONDS = int(env_str("ATTEMPT_LOCKOUT_SECONDS", "900"))

# Cabinet sign-in and forgotten password, step 1 (the IIN): every request is counted before the
# applicant is looked up, known IIN or not, per client address and per IIN (its HMAC), in runs of
# CABINET_START_WINDOW_SECONDS; the request that reaches a limit locks that key for the same time.
CABINET_START_IP_LIMIT = int(env_str("CABINET_START_IP_LIMIT", "20"))
CABINET_START_IIN_LIMIT = int(env_str("CABINET_START_IIN_LIMIT", "10"))
CABINET_START_WINDOW_SECONDS = int(env_str("CABINET_START_WINDOW_SECONDS", "3600"))

# Staff passwords: ATTEMPT_LIMIT failures per (username, client address) lock that pair only; across all
# addresses a username gets at most STAFF_PASSWORD_USERNAME_LIMIT failures per run of
# STAFF_PASSWORD_USERNAME_WINDOW_SECONDS (reaching it locks the username for the same time).
STAFF_PASSWORD_USERNAME_LIMIT = int(env_str("STAFF_PASSWORD_USERNAME_LIMIT", "20"))
STAFF_PASSWORD_USERNAME_WINDOW_SECONDS = int(env_str("STAFF_PASSWORD_USERNAME_WINDOW_SECONDS", "3600"))
