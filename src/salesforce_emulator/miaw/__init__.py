"""Emulated SCRT host for Messaging for In-App and Web (the "Enhanced Chat API").

Mount next to the REST/OAuth emulator with ``Mount("/", app=create_miaw_app(config))``
placed after the host app's own routes (all MIAW paths are absolute:
``/iamessage``, ``/eventrouter``, ``/_emulator/miaw``, ``/miaw-console``).
"""

from salesforce_emulator.miaw.app import EXCEPTION_HANDLERS, create_miaw_app, miaw_routes
from salesforce_emulator.miaw.config import DeploymentConfig, KeysetConfig, MiawConfig
from salesforce_emulator.miaw.server import serve_in_thread
from salesforce_emulator.miaw.state import MiawState

__all__ = [
    "EXCEPTION_HANDLERS",
    "DeploymentConfig",
    "KeysetConfig",
    "MiawConfig",
    "MiawState",
    "create_miaw_app",
    "miaw_routes",
    "serve_in_thread",
]
