"""Run the sink on its own: ``python -m baton.mailsink --smtp-port 1025 --http-port 8025``.

SMTP and the web view share one event loop, the same way the demo embeds them.
"""

from __future__ import annotations

import argparse
import asyncio

import uvicorn

from baton.mailsink.sink import MailSink
from baton.mailsink.web import create_mailsink_app


async def serve(host: str, smtp_port: int, http_port: int) -> None:
    sink = MailSink()
    await sink.start(host, smtp_port)
    print(f"mail sink: SMTP on {host}:{sink.smtp_port}, inbox at http://{host}:{http_port}/")
    server = uvicorn.Server(
        uvicorn.Config(create_mailsink_app(sink), host=host, port=http_port, log_level="warning")
    )
    try:
        await server.serve()
    finally:
        await sink.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m baton.mailsink", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--smtp-port", type=int, default=1025)
    parser.add_argument("--http-port", type=int, default=8025)
    arguments = parser.parse_args()
    asyncio.run(serve(arguments.host, arguments.smtp_port, arguments.http_port))


if __name__ == "__main__":
    main()
