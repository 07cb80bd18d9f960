"""gunicorn settings for Servicecraft: `gunicorn -c deploy/gunicorn.conf.py 'servicecraft:create_app()'`.

Every value can be overridden by an environment variable (named beside it), so the same file
serves one small server and a row of app servers behind a load balancer.
"""

import multiprocessing
import os

# Where to listen: a local port behind nginx, or 0.0.0.0:8000 behind a load balancer.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")

# Two workers per core plus one (gunicorn's own advice); the app is mostly waiting on the database.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 2))
worker_class = "gthread"

# Each worker builds its own app (its own database pool): no connection is shared across a fork.
preload_app = False

# A PDF pack or a large import runs as a background job, so a request that takes longer is stuck.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", 30))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", 5))

# Recycle workers now and then, so a slow leak never grows without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 2000))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", 200))

# Trust X-Forwarded-For/-Proto only from the proxy (nginx on this host, or the load balancer's addresses).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
proxy_allow_ips = forwarded_allow_ips

# gunicorn 27's control socket lives in $HOME, which the systemd unit hides; `systemctl reload` (HUP) is enough.
control_socket_disable = True

# "-" is stdout/stderr, which systemd's journal collects.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%({x-forwarded-for}i)s %(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'

# Large uploads are limited by the app (SERVICECRAFT_MAX_CONTENT_LENGTH); keep header limits default.
limit_request_line = 8190
