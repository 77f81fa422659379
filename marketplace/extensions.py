"""Flask extensions, created unbound here and bound to an app in `create_app`."""

from __future__ import annotations

import ipaddress

from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from marketplace.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()


def client_network() -> str:
    """The client the rate limits count: its IPv4 address, or the /64 of its IPv6 address.

    One IPv6 subscriber is given a whole /64 (2^64 addresses) and may use any of them, so a
    limit per IPv6 address would be a limit per request.
    """
    address = request.remote_addr or ""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:  # ::ffff:192.0.2.1 is that IPv4 client
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{parsed}/64", strict=False))
    return str(parsed)


limiter = Limiter(key_func=client_network, default_limits=[])
