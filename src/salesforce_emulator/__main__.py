"""``python -m salesforce_emulator --host 127.0.0.1 --port 8765 --public-url http://localhost:8765``"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from salesforce_emulator.server import serve
from salesforce_emulator.state import ConnectedApp


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m salesforce_emulator", description="Run a local Salesforce org."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--public-url", default=None, help="base URL clients use (becomes instance_url)")
    parser.add_argument("--daily-api-limit", type=int, default=15000)
    parser.add_argument("--access-token-lifetime", type=float, default=7200.0, help="seconds")
    parser.add_argument("--client-id", help="register a connected app with this consumer key")
    parser.add_argument("--client-secret", help="its consumer secret")
    parser.add_argument("--callback-url", action="append", default=[], help="its callback URL (repeatable)")
    parser.add_argument("--rotate-refresh-tokens", action="store_true")
    args = parser.parse_args(argv)
    apps = []
    if args.client_id:
        if not args.client_secret or not args.callback_url:
            parser.error("--client-id needs --client-secret and at least one --callback-url")
        apps.append(
            ConnectedApp(
                client_id=args.client_id,
                client_secret=args.client_secret,
                callback_urls=args.callback_url,
                rotate_refresh_tokens=args.rotate_refresh_tokens,
            )
        )
    serve(
        host=args.host,
        port=args.port,
        public_url=args.public_url,
        daily_api_limit=args.daily_api_limit,
        access_token_lifetime_seconds=args.access_token_lifetime,
        apps=apps,
    )


if __name__ == "__main__":
    main()
