"""Production server: gunicorn (threaded workers) serving the WSGI app, static files through WhiteNoise."""

from __future__ import annotations

from gunicorn.app.base import BaseApplication


class OtcsmsServer(BaseApplication):
    def __init__(self, options: dict) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from otcsms.wsgi import application

        return application


def run_server(host: str, port: int, *, workers: int = 2, threads: int = 4) -> None:
    from django.conf import settings

    tls = {}
    if settings.TLS_CERT_FILE is not None:
        tls = {"certfile": str(settings.TLS_CERT_FILE), "keyfile": str(settings.TLS_KEY_FILE)}
    OtcsmsServer({
        **tls,
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "timeout": 120,
        "graceful_timeout": 20,
        "accesslog": "-",
        "errorlog": "-",
        "loglevel": "warning",
        "limit_request_line": 8190,
        "limit_request_fields": 100,
        "proc_name": "otcsms",
    }).run()  # fmt: skip
