"""gunicorn settings for the image and scripts/serve (-c python:imagesite.gunicorn_conf).

Settings an older gunicorn does not know are ignored by it.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))  # about 2 per vCPU plus 1
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = 60
graceful_timeout = 25  # under ECS's stop timeout (30 s) and the ALB's deregistration delay
accesslog = "-"
# gunicorn 25+ opens a control socket under $HOME by default; the image's user has no
# writable home, and nothing here uses gunicornc.
control_socket_disable = True
