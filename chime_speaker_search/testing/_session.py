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
    """A botocore session for the emulator: dummy credentials, no AWS set-up read.

    The emulator needs signed requests, not real credentials. This session reads no
    profile (not even one named in ``AWS_PROFILE``, which may not exist here), no
    shared config or credentials file and no credentials from the environment, so
    code using it runs the same on a laptop with AWS configured, on CI with nothing
    configured, and never reaches a real account's credentials.
    :meth:`LocalSpeakerSearchService.client` uses it; pass it yourself to make other
    clients of the emulator, e.g. raw boto3::

        boto3.Session(botocore_session=offline_session()).client(
            "chime-sdk-voice", endpoint_url=service.endpoint_url, region_name="us-east-1"
        )

    Args:
        access_key: The dummy access key id requests are signed with.
        secret_key: The dummy secret key requests are signed with.

    Returns:
        A new ``botocore.session.Session``.
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
