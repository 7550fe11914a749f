"""Settings, one module per concern; every value can be set from the environment."""

from .base import *  # noqa: F403
from .database import *  # noqa: F403
from .i18n import *  # noqa: F403
from .logging import *  # noqa: F403
from .notifications import *  # noqa: F403
from .security import *  # noqa: F403
from .sessions import *  # noqa: F403
from .tasks import *  # noqa: F403
from .transparency import *  # noqa: F403
from .verification import *  # noqa: F403
