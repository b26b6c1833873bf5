"""The WSGI entry point for gunicorn: `gunicorn -c deploy/gunicorn.conf.py portal.wsgi:app`.

gunicorn does not read .env; load it here before the app reads its PORTAL_* variables.
"""

from dotenv import load_dotenv

load_dotenv()

from portal import create_app  # noqa: E402  (after .env is loaded)

app = create_app()
