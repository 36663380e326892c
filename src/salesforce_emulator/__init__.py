"""A local Salesforce org for development and tests.

Written from Salesforce's documented behaviour; it never imports ``baton`` so that
it catches the client's mistakes instead of repeating them.

    app = create_app(EmulatorOptions(public_url="http://localhost:8765"))
    with run_emulator() as base_url: ...
"""

from salesforce_emulator.runtime import EmulatorOptions, EmulatorRuntime
from salesforce_emulator.server import create_app, serve
from salesforce_emulator.state import ADMIN, REP, ConnectedApp
from salesforce_emulator.testing import run_emulator, serve_app

__all__ = [
    "ADMIN",
    "REP",
    "ConnectedApp",
    "EmulatorOptions",
    "EmulatorRuntime",
    "create_app",
    "run_emulator",
    "serve",
    "serve_app",
]
