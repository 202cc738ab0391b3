"""Every table of the service; Alembic autogenerates from this metadata."""

from family_safety.db.models.accounts import Account
from family_safety.db.models.auth import RefreshToken, SignInFailure
from family_safety.db.models.base import Base, metadata

__all__ = ["Account", "Base", "RefreshToken", "SignInFailure", "metadata"]
