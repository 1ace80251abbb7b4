"""A fake of the Azure Batch REST service on 127.0.0.1, for the real SDK to talk to.

It answers the calls makegen makes, as the service documents them: POST /jobs (201),
POST /jobs/{id}/addtaskcollection (200 with a result per task: success, or servererror /
clienterror with an error body), GET /pools/{id}, GET /jobs/{id}, PATCH /jobs/{id} and
POST /jobs/{id}/terminate; errors as Batch's JSON error body. Every request is recorded
(method, path, query, headers, JSON body) for the tests to assert on. Faults on demand:
a per-task server error the first time a task id is seen, a 413 RequestBodyTooLarge for
requests of more than N tasks, a refused signature.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

ERROR_METADATA = "https://fake.batch/$metadata#Microsoft.Azure.Batch.Protocol.Entities.Container.errors/@Element"


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


@dataclass
class FakeBatch:
    account: str = "fakeaccount"
    endpoint: str = ""  # set by start()
    pools: dict[str, int] = field(default_factory=lambda: {"makegen-pool": 4})  # id: taskSlotsPerNode
    server_error_once: set[str] = field(default_factory=set)  # task ids refused once (serverError)
    client_error: set[str] = field(default_factory=set)  # task ids refused (clientError)
    too_large_above: int | None = None  # a request of more tasks: 413 RequestBodyTooLarge
    refuse_signature: bool = False  # 403 AuthenticationFailed for every request
    # Task statuses as api-version 2025-06-01 spells them; older versions wrote serverError.
    statuses: dict[str, str] = field(default_factory=lambda: {
        "success": "success", "server": "servererror", "client": "clienterror"})
    requests: list[Request] = field(default_factory=list)
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    tasks: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # job: id: body

    def start(self) -> str:
        """Serve on a free port of 127.0.0.1 in a daemon thread; the endpoint URL."""
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                fake.handle(self)

            def do_POST(self) -> None:
                fake.handle(self)

            def do_PATCH(self) -> None:
                fake.handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        return self.endpoint

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def calls(self) -> list[tuple[str, str]]:
        return [(r.method, r.path) for r in self.requests]

    def task_requests(self) -> list[list[str]]:
        """The task ids of each addtaskcollection request, in order."""
        return [[t["id"] for t in r.body["value"]] for r in self.requests
                if r.path.endswith("/addtaskcollection")]

    def handle(self, http: BaseHTTPRequestHandler) -> None:
        url = urlparse(http.path)
        length = int(http.headers.get("Content-Length") or 0)
        raw = http.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        self.requests.append(Request(http.command, url.path, parse_qs(url.query),
                                     {k.lower(): v for k, v in http.headers.items()}, body))
        status, answer = self.answer(http.command, url.path.strip("/").split("/"), body,
                                     http.headers.get("Authorization", ""))
        data = json.dumps(answer).encode() if answer is not None else b""
        http.send_response(status)
        http.send_header("request-id", "00000000-0000-0000-0000-000000000000")
        http.send_header("ETag", "0x8D0000000000001")
        http.send_header("Last-Modified", "Thu, 26 Nov 2026 01:02:03 GMT")
        if status == 201:
            http.send_header("DataServiceId", http.path)
            http.send_header("Location", http.path)
        http.send_header("Content-Type", "application/json;odata=minimalmetadata")
        http.send_header("Content-Length", str(len(data)))
        http.end_headers()
        http.wfile.write(data)

    def answer(self, method: str, parts: list[str], body: Any, auth: str) -> tuple[int, Any]:
        if not auth.startswith(f"SharedKey {self.account}:") or self.refuse_signature:
            return 403, error("AuthenticationFailed", "Server failed to authenticate the request.")
        if method == "GET" and parts[0] == "pools" and len(parts) == 2:
            if parts[1] not in self.pools:
                return 404, error("PoolNotFound", "The specified pool does not exist.")
            return 200, {"id": parts[1], "state": "active", "allocationState": "steady",
                         "vmSize": "standard_d4s_v3", "taskSlotsPerNode": self.pools[parts[1]],
                         "currentDedicatedNodes": 2, "targetDedicatedNodes": 2}
        if method == "POST" and parts == ["jobs"]:
            if body["id"] in self.jobs:
                return 409, error("JobExists", "The specified job already exists.")
            self.jobs[body["id"]] = {**body, "state": "active"}
            self.tasks[body["id"]] = {}
            return 201, None
        if parts[0] != "jobs" or len(parts) < 2 or parts[1] not in self.jobs:
            return 404, error("JobNotFound", "The specified job does not exist.")
        job = self.jobs[parts[1]]
        if method == "GET" and len(parts) == 2:
            return 200, job
        if method == "PATCH" and len(parts) == 2:
            job.update(body)
            return 200, None
        if method == "POST" and parts[2:] == ["terminate"]:
            job["state"] = "terminated"
            return 202, None
        if method == "POST" and parts[2:] == ["addtaskcollection"]:
            return self.add_tasks(parts[1], body["value"])
        return 400, error("InvalidRequest", f"{method} {'/'.join(parts)} is not faked")

    def add_tasks(self, job: str, tasks: list[dict[str, Any]]) -> tuple[int, Any]:
        if len(tasks) > 100:
            return 400, error("TooManyTasks", "A request may add at most 100 tasks.")
        if self.too_large_above is not None and len(tasks) > self.too_large_above:
            return 413, error("RequestBodyTooLarge", "The request body is too large and exceeds "
                                                     "the maximum permissible limit.")
        results = []
        for task in tasks:
            if task["id"] in self.server_error_once:
                self.server_error_once.discard(task["id"])
                results.append({"status": self.statuses["server"], "taskId": task["id"],
                                "error": error("ServerBusy", "The server is busy.")})
            elif task["id"] in self.tasks[job]:
                results.append({"status": self.statuses["client"], "taskId": task["id"],
                                "error": error("TaskExists", "The specified task already exists.")})
            elif task["id"] in self.client_error:
                results.append({"status": self.statuses["client"], "taskId": task["id"],
                                "error": error("InvalidPropertyValue", "A property is invalid.")})
            else:
                self.tasks[job][task["id"]] = task
                results.append({"status": self.statuses["success"], "taskId": task["id"], "eTag": "0x8D0000000000002",
                                "lastModified": "2026-11-26T01:02:03Z",
                                "location": f"https://fake.batch/jobs/{job}/tasks/{task['id']}"})
        return 200, {"value": results}


def error(code: str, message: str) -> dict[str, Any]:
    return {"odata.metadata": ERROR_METADATA, "code": code,
            "message": {"lang": "en-US", "value": message}}
