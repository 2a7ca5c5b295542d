"""The commands on the service's tasks: start (and enrol), get, wait, stop."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from chime_speaker_search._validation import check_start, check_voice_profile_id
from chime_speaker_search.errors import SpeakerSearchError, TransportError, WaitTimeoutError

from ._console import Progress
from ._exit import EXIT_FAILED, EXIT_OK, EXIT_TIMEOUT, EXIT_TRANSPORT_ERROR, UsageError
from ._profiles import enrol_after_wait
from ._render import render_task, voice_profile_table

if TYPE_CHECKING:
    import argparse

    from chime_speaker_search._models import SpeakerSearchTask, VoiceProfile

    from ._run import Invocation

__all__ = ["cmd_get", "cmd_start", "cmd_stop", "cmd_wait"]


def _finish_wait(
    run: Invocation, task: SpeakerSearchTask, enrolled: VoiceProfile | None = None
) -> int:
    """Print a finished task (and any profile it enrolled); its status is the exit code."""
    if enrolled is None:
        run.print_task(task)
    else:
        # One document, as the two responses side by side: --query can pick from either.
        run.print_result(
            {"SpeakerSearchTask": task.to_dict(), "VoiceProfile": enrolled.to_dict()},
            lambda: (
                render_task(task, "table", None)
                + "\nEnrolled\n"
                + "".join(f"  {line}\n" for line in voice_profile_table(enrolled))
            ),
        )
    if task.speaker_search_task_status.is_success:
        return EXIT_OK
    reason = f": {task.status_message}" if task.status_message else ""
    run.console.error(
        f"speaker search task {task.speaker_search_task_id} ended "
        f"{task.speaker_search_task_status.value}{reason}"
    )
    return EXIT_FAILED


def _timed_out(run: Invocation, error: WaitTimeoutError, voice_connector_id: str) -> int:
    if error.task is None and isinstance(error.__cause__, TransportError):
        # Not one poll got through: the service is unreachable, not the task slow.
        run.console.error(f"{error.__cause__} (gave up after {error.elapsed:.1f}s, --timeout)")
        return EXIT_TRANSPORT_ERROR
    task_id: str | None = None
    if error.task is not None:
        task_id = error.task.speaker_search_task_id
    elif run.resume is not None:
        task_id = run.resume[1]
    status = error.task.speaker_search_task_status.value if error.task else "unknown"
    run.console.error(
        f"speaker search task {task_id} was still {status} after {error.elapsed:.1f}s "
        "(--timeout); it may still finish"
    )
    if task_id:
        run.console.line(
            f"keep waiting with: {run.task_command('wait', voice_connector_id, task_id)}"
        )
    return EXIT_TIMEOUT


def _check_start_options(args: argparse.Namespace) -> None:
    """Options that only make sense together; all checked before anything is sent."""
    if not args.wait and any(v is not None for v in (args.timeout, args.poll_min, args.poll_max)):
        raise UsageError("--timeout, --poll-min and --poll-max need --wait")
    if args.enrol and not args.wait:
        raise UsageError("--enrol needs --wait (a task's voiceprint exists once it finishes)")
    if args.voice_profile_id is not None:
        if not args.enrol:
            raise UsageError("--voice-profile-id needs --enrol")
        # Checked before the start: a bad id must not leave a task behind.
        check_voice_profile_id(voice_profile_id=args.voice_profile_id)


def cmd_start(run: Invocation) -> int:
    """``start``: start a task, print it, and with ``--wait`` wait for it first."""
    args = run.args
    _check_start_options(args)
    timeout, poll = run.poll_policy() if args.wait else (0.0, None)
    # Made here rather than in the library so it can be shown before anything is sent:
    # whatever happens next (stdout closed or full, the process killed), re-running the
    # start with it gets the same task back instead of making a second one.
    token = args.client_request_token or str(uuid.uuid4())
    start_kwargs: dict[str, Any] = {
        "voice_connector_id": args.voice_connector_id,
        "transaction_id": args.transaction_id,
        "voice_profile_domain_id": args.voice_profile_domain_id,
        "call_leg": args.call_leg,
        "client_request_token": token,
    }
    check_start(**start_kwargs)  # an invalid start is reported before the token, sent never
    run.interrupted_hint = (
        "the start may or may not have reached the service; re-run the same start with "
        f"--client-request-token {token} to get the same task without making a second one"
    )
    if args.client_request_token is None:
        run.console.line(
            f"ClientRequestToken {token} (re-run with --client-request-token {token} "
            "to get the same task, not a second one)"
        )

    def started(task_id: str) -> str:
        get = run.task_command("get", args.voice_connector_id, task_id)
        return f"speaker search task {task_id} was started; see it with: {get}"

    if poll is None:
        with run.client() as client:
            task = client.start_speaker_search_task(**start_kwargs)
        run.print_task(task, context=started(task.speaker_search_task_id))
        return EXIT_OK
    with run.client() as client, Progress(run.console) as progress:

        def on_update(task: SpeakerSearchTask) -> None:
            run.resume = [args.voice_connector_id, task.speaker_search_task_id]
            progress.update(task)

        try:
            task = client.start_and_wait(
                **start_kwargs,
                timeout=timeout,
                poll=poll,
                on_update=on_update,
                on_poll=progress.poll,
                raise_on_failure=False,
            )
        except WaitTimeoutError as error:
            return _timed_out(run, error, args.voice_connector_id)
        enrolled = None
        if args.enrol and task.speaker_search_task_status.is_success:
            try:
                enrolled = enrol_after_wait(run, client, task, args.voice_profile_domain_id)
            except SpeakerSearchError:
                run.print_task(task)  # the search's result stands; the error line follows
                raise
    return _finish_wait(run, task, enrolled)


def cmd_get(run: Invocation) -> int:
    """``get``: print a task as it is now."""
    with run.client() as client:
        task = client.get_speaker_search_task(
            voice_connector_id=run.args.voice_connector_id,
            speaker_search_task_id=run.args.speaker_search_task_id,
        )
    run.print_task(task)
    return EXIT_OK


def cmd_wait(run: Invocation) -> int:
    """``wait``: wait for a task to finish, print it, exit by its outcome."""
    args = run.args
    timeout, poll = run.poll_policy()
    run.resume = [args.voice_connector_id, args.speaker_search_task_id]
    with run.client() as client, Progress(run.console) as progress:
        try:
            task = client.wait(
                voice_connector_id=args.voice_connector_id,
                speaker_search_task_id=args.speaker_search_task_id,
                timeout=timeout,
                poll=poll,
                on_update=progress.update,
                on_poll=progress.poll,
                raise_on_failure=False,
            )
        except WaitTimeoutError as error:
            return _timed_out(run, error, args.voice_connector_id)
    return _finish_wait(run, task)


def cmd_stop(run: Invocation) -> int:
    """``stop``: stop a task; stdout stays empty, as with the AWS CLI."""
    args = run.args
    with run.client() as client:
        client.stop_speaker_search_task(
            voice_connector_id=args.voice_connector_id,
            speaker_search_task_id=args.speaker_search_task_id,
        )
    run.console.line(f"stopped speaker search task {args.speaker_search_task_id}")
    return EXIT_OK
