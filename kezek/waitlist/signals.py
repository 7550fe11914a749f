"""What the queue tells the apps below it (architecture: `waitlist` never imports `placement`).

Both signals are sent inside the deciding transaction, so receivers' writes commit or roll back with it.
"""

from django.dispatch import Signal

# Sent first, before the queue takes any lock: receivers take the locks that must come first (a group's
# row) so the lock order stays group → cohort → ledger everywhere. kwargs: application.
benefit_deciding = Signal()

# Sent after an extraordinary claim was confirmed or rejected. kwargs: application, confirmed (bool).
benefit_decided = Signal()
