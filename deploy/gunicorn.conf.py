"""gunicorn settings for Tsunagu (`make serve`, the systemd unit in deploy/).

Environment: PORTAL_BIND (default 127.0.0.1:8000), PORTAL_WORKERS (default 2), PORTAL_THREADS (default 4).
The access log leaves out query strings and referrers: search words and the guided flow's answers
(who is worried about whom, about what) must never land in a log file.
"""

import os

bind = os.environ.get("PORTAL_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("PORTAL_WORKERS", "2"))
threads = int(os.environ.get("PORTAL_THREADS", "4"))
worker_class = "gthread"
timeout = 30
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then so a slow leak in any library cannot grow without bound.
max_requests = int(os.environ.get("PORTAL_MAX_REQUESTS", "5000"))  # 0: never (the soak test)
max_requests_jitter = 500
accesslog = os.environ.get("PORTAL_ACCESS_LOG", "-")
errorlog = "-"
# %(U)s is the path without the query string; no %(r)s, %(q)s or %(f)s (referrer, with its query).
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'
forwarded_allow_ips = os.environ.get("PORTAL_FORWARDED_ALLOW_IPS", "127.0.0.1")
