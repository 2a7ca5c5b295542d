"""A botocore session for the emulator: dummy credentials, no AWS configuration read."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import botocore.session

__all__ = ["offline_session"]


def offline_session(
    access_key: str = "testing",
    secret_key: str = "testing-secret",  # noqa: S107 (a dummy: the emulator checks none)
) -> botocore.session.Session:
    """A session that signs with dummy credentials and ignores the user's AWS set-up.

    The emulator needs signed requests, not real credentials. The session reads no
    profile (not even one named in ``AWS_PROFILE``, which may not exist here) and no
    shared config or credentials file.
    """
    import botocore.session  # noqa: PLC0415 (only emulator users need it)

    # session_vars entries are (config key, environment variable, default, converter):
    # with neither a key nor a variable, these settings come from nowhere.
    session = botocore.session.Session(
        session_vars={
            "profile": (None, None, None, None),
            "config_file": (None, None, None, None),
            "credentials_file": (None, None, None, None),
        }
    )
    session.set_credentials(access_key, secret_key)
    return session
