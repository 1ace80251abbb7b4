"""The Azure Batch SDK (`azure-batch`, the extra `makegen[azure]`), imported only here and only
when a submission goes to Azure: makegen runs without it.

The SDK signs requests (shared key) or takes azure-identity's DefaultAzureCredential, splits
the tasks into requests of at most 100, halves a request the service finds too large (413
RequestBodyTooLarge) and retries the tasks it answers with a server error.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
from collections.abc import Iterator
from typing import Any

from ...errors import MakegenError
from .azure import ACCOUNT, ENDPOINT, KEY, POOL, AzureSettings, Submission

ADD_ROUNDS = 3
# Errors of the service that name a setting to fix.
SETTING_OF: dict[str, str] = {"PoolNotFound": POOL, "AccountNameMismatch": ACCOUNT,
                              "AuthenticationFailed": KEY, "InvalidAuthenticationInfo": KEY}


def connect(settings: AzureSettings) -> Any:
    """A BatchClient for the account; the SDK missing or a malformed key is a user error."""
    try:
        from azure.batch import BatchClient
        from azure.core.credentials import AzureNamedKeyCredential
    except ImportError:
        raise MakegenError("the azure backend needs the Azure Batch SDK (azure-batch), which is not "
                           "installed beside this makegen; nothing was submitted", key="--backend",
                           hint="pip install 'makegen[azure]' (in the environment makegen runs in)") from None
    if settings.key:
        try:
            base64.b64decode(settings.key, validate=True)
        except binascii.Error:
            raise MakegenError(f"{KEY} is not a Batch account key (base64 text); nothing was "
                               "submitted", key=KEY,
                               hint="copy a key from the account's Keys page in the Azure portal") from None
        return BatchClient(settings.endpoint, AzureNamedKeyCredential(settings.account, settings.key))
    try:
        from azure.identity import DefaultAzureCredential
    except ImportError:
        raise MakegenError(f"{KEY} is not set, and azure-identity (for a sign-in instead of a key) "
                           "is not installed; nothing was submitted", key=KEY,
                           hint=f"set {KEY} and {ACCOUNT}, or pip install azure-identity and sign "
                                "in (az login, a managed identity, ...)") from None
    return BatchClient(settings.endpoint, DefaultAzureCredential())


def pool_slots(client: Any, settings: AzureSettings) -> int:
    """Task slots per node of the pool (GET /pools/{id}): also proves the account answers."""
    with _service_errors("read pool " + settings.pool):
        pool = client.get_pool(settings.pool)
    return int(pool.task_slots_per_node or 1)


def submit(client: Any, submission: Submission) -> None:
    """Create the job, add its tasks phase by phase, then let it end when they have ended.
    When the service refuses a task, the job is terminated: nothing half-submitted runs on."""
    from azure.batch import models
    from azure.core.exceptions import AzureError

    with _service_errors("create the job"):
        client.create_job(models.BatchJobCreateOptions(submission.job))
    problem = ""
    try:
        for phase in submission.phases:
            refused = _add_tasks(client, submission.job_id, [models.BatchTaskCreateOptions(t) for t in phase])
            if refused:
                problem = f"task(s) {', '.join(refused)} still not added after {ADD_ROUNDS} tries"
                break
        else:
            client.update_job(submission.job_id, models.BatchJobUpdateOptions(submission.update))
    except AzureError as exc:
        problem = _task_errors(exc)
    if problem:
        _terminate(client, submission.job_id)
        raise MakegenError(f"Azure Batch did not take every task: {problem}; job "
                           f"{submission.job_id} was terminated", key="submit",
                           hint="fix what the service names and submit again")


def _add_tasks(client: Any, job_id: str, tasks: list[Any]) -> list[str]:
    """create_tasks, and again for any task whose result is not a success; the ids still
    not added. (The SDK compares statuses case-sensitively, "servererror": a service
    answering "serverError", as api-versions before 2024 spelled it, would have such a task
    counted as added.)"""
    for _ in range(ADD_ROUNDS):
        result = client.create_tasks(job_id, tasks)
        failed = {str(r.task_id) for r in result.result_values or []
                  if str(getattr(r.status, "value", r.status)).lower() != "success"}
        tasks = [t for t in tasks if t.id in failed]
        if not tasks:
            return []
    return sorted(failed, key=int)


def _terminate(client: Any, job_id: str) -> None:
    from azure.core.exceptions import AzureError

    with contextlib.suppress(AzureError):  # the message about what failed first matters more
        # The SDK sends no content type without a body: give it one.
        reason = {"terminateReason": "makegen: submission incomplete"}
        client.begin_terminate_job(job_id, reason, polling_interval=1).wait(timeout=60)


def _task_errors(exc: Exception) -> str:
    """What went wrong in create_tasks: the first refused tasks, or the request's error."""
    failed = getattr(exc, "failure_tasks", None)
    if failed:
        shown = [f"task {r.task_id}: {_error_text(r.error)}" for r in list(failed)[:3]]
        more = f" and {len(failed) - 3} more" if len(failed) > 3 else ""
        return "; ".join(shown) + more
    inner = list(getattr(exc, "errors", None) or [])
    return _message(inner[0] if inner else exc)


def _error_text(error: Any) -> str:
    if error is None:
        return "refused"
    message = getattr(getattr(error, "message", None), "value", None) or ""
    return f"{error.code} ({message})" if message else str(error.code)


def _message(exc: BaseException) -> str:
    error = getattr(exc, "error", None)
    code = getattr(error, "code", None)
    text = getattr(error, "message", None) or getattr(exc, "message", None) or str(exc)
    text = str(text).splitlines()[0] if str(text) else type(exc).__name__
    return f"{code}: {text}" if code else text


@contextlib.contextmanager
def _service_errors(doing: str) -> Iterator[None]:
    """Map the SDK's errors while talking to the service to user errors naming the setting."""
    from azure.core.exceptions import AzureError, ClientAuthenticationError, ServiceRequestError

    try:
        yield
    except ServiceRequestError as exc:
        raise MakegenError(f"cannot reach Azure Batch to {doing}: {_message(exc)}; nothing was "
                           "submitted", key=ENDPOINT,
                           hint=f"check {ENDPOINT} and this machine's network") from None
    except AzureError as exc:
        code = str(getattr(getattr(exc, "error", None), "code", "") or "")
        setting = SETTING_OF.get(code) or (KEY if isinstance(exc, ClientAuthenticationError) else None)
        hint = (f"check {setting} ({'the pool id' if setting == POOL else 'the account settings'})"
                if setting else "fix what the service names and submit again")
        raise MakegenError(f"Azure Batch refused to {doing}: {_message(exc)}; nothing was "
                           "submitted", key=setting or "submit", hint=hint) from None
