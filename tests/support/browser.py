"""The system Chromium the browser tests drive, and how."""

import os
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
# Headless, and quiet on the network: without the background-networking flags Chromium
# keeps calling home, which a closed CI network answers slowly or not at all.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 15_000
# Where browser tests leave screenshots for people to look at.
SCREENS = Path(os.environ.get("SCREENS_DIR", "/tmp/imagesite-screens"))


def sign_in(context, live_server, client, user):
    """Sign `user` in for a Playwright browser context (the test client's session cookie)."""
    client.force_login(user)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
