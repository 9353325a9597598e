"""The production WSGI server: waitress, whose own error answers come in the one JSON shape.

Waitress answers some requests before the application sees them: a body over its
size limit (413), headers over its limit (431), a request it cannot parse (400), and
a 500 when the application fails outside Flask's handlers. It writes those as plain
text; here its error task is replaced by one that writes :func:`error_body`, so that
every status a client can get is the same JSON.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from flask import Flask
from waitress.channel import HTTPChannel
from waitress.server import create_server
from waitress.task import ErrorTask

from .errors import GENERIC, TOO_LARGE, error_body

#: Largest request line and headers waitress accepts (its default, 256 KiB), in bytes.
MAX_HEADER_BYTES = 262_144

#: What each of waitress's statuses says, beside its own reason (the limits are the operator's).
MESSAGES = {
    413: TOO_LARGE,
    431: f"the request line and headers are larger than this server accepts ({MAX_HEADER_BYTES} bytes)",
    500: GENERIC,
}


class JsonErrorTask(ErrorTask):
    """Waitress's error answer, written as the one JSON error shape."""

    max_body: int = 0

    def execute(self) -> None:
        error = self.request.error
        status = int(error.code)
        message = MESSAGES.get(status, "{reason}: {body}").format(
            max_body=self.max_body, reason=error.reason, body=str(error.body).strip()
        )
        code = str(error.reason).lower().replace(" ", "-")
        body = json.dumps(error_body(status, code, message)).encode("utf-8")
        self.status = f"{status} {error.reason}"
        self.response_headers.extend(
            [("Content-Type", "application/json"), ("Access-Control-Allow-Origin", "*")]
        )
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


def serve(app: Flask, *, host: str, port: int, threads: int, max_body: int, **options: Any) -> None:
    """Serve ``app`` until the process is stopped.

    :param max_body: the application's body limit; waitress's own, a little higher, is the
        backstop for bodies that never reach the application (sent with a larger Content-Length).
    """
    task = type("Task", (JsonErrorTask,), {"max_body": max_body})
    channel = type("Channel", (HTTPChannel,), {"error_task_class": task})
    server = create_server(
        app,
        host=host,
        port=port,
        threads=threads,
        max_request_body_size=max_body + 65536,
        max_request_header_size=MAX_HEADER_BYTES,
        **options,
    )
    server.channel_class = channel  # one host and port: one server, which makes the channels
    # A read's request thread waits for the interpreter lock while writes validate in other
    # threads: hand it over more often than every 5 ms (Python's default).
    sys.setswitchinterval(0.0005)
    server.run()
