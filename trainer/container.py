"""What differs when the trainer runs in its image: the advice it gives, not what it does.

Inside the container, "localhost" is the container, the files are written as the user
docker-compose names (uid 1000 unless HOME_TYPE_UID says otherwise), and there is no
``scripts/`` folder: messages that name those say what to do from the host instead.
"""

from __future__ import annotations

import os
from typing import Final

#: Set by the trainer image (trainer/Dockerfile).
IN_CONTAINER_VARIABLE: Final = "HOME_TYPE_IN_CONTAINER"


def in_container() -> bool:
    """Whether this process runs in the trainer's image."""
    return bool(os.environ.get(IN_CONTAINER_VARIABLE))


def ownership_hint() -> str:
    """How to let the container write into ./data and ./models, for a permission error."""
    if not in_container():
        return ""
    uid = os.getuid() if hasattr(os, "getuid") else "?"
    return (f"; the container writes as uid {uid}: give ./data and ./models to that user, or "
            "run it as yours with HOME_TYPE_UID=$(id -u) HOME_TYPE_GID=$(id -g)")
